// The image references the configuration accepts: what both hosts' bootstraps accept, pinned by a tag or a digest.
import { isImageReference, parseImageReference } from "../image.js";

const DIGEST = `sha256:${"ab".repeat(32)}`;

test("a tag or a digest, on a name with a registry and a path", () => {
  expect(parseImageReference("nearprotocol/nearcore:2.13.3")).toEqual({
    name: "nearprotocol/nearcore",
    tag: "2.13.3",
  });
  expect(parseImageReference(`nearone/mpc-node@${DIGEST}`)).toEqual({ name: "nearone/mpc-node", digest: DIGEST });
  // a tag with the digest that pins it (what the driver writes after a first pull)
  expect(parseImageReference(`nearone/mpc-node:3.14.1@${DIGEST}`)).toEqual({
    name: "nearone/mpc-node",
    tag: "3.14.1",
    digest: DIGEST,
  });
  expect(parseImageReference("public.ecr.aws/my-team/near__core:v2_13-rc.1")).toEqual({
    name: "public.ecr.aws/my-team/near__core",
    tag: "v2_13-rc.1",
  });
});

test.each([
  ["nearprotocol/nearcore", "no tag or digest: whatever latest is at pull time"],
  ["registry.example:5000/nearcore:2.13.3", "a registry port (the MPC bootstrap takes no ':' in the name)"],
  ["NearProtocol/nearcore:2.13.3", "uppercase in the name"],
  [`nearone/mpc-node:3.14.1@${DIGEST}@${DIGEST}`, "two digests"],
  [`nearone/mpc-node:3.14.1@sha256:${"AB".repeat(32)}`, "an upper-case digest"],
  ["nearone/mpc-node@sha256:abc", "a short digest"],
  ["nearone/mpc-node:-bad", "a tag starting with a dash"],
  [`nearone/mpc-node:${"x".repeat(129)}`, "a tag over 128 characters"],
  ["nearone//mpc-node:1", "an empty path component"],
  ["nearone/mpc-node:1 --privileged", "a space"],
])("refused: %s (%s)", (ref) => {
  expect(isImageReference(ref)).toBe(false);
});
