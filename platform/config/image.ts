// The one validator of container image references in the configuration (nearcoreImage, mpcImage, ...): the
// reference grammar of the distribution project (distribution/reference, reference.go), narrowed to what the hosts'
// bootstraps and run-op accept (platform/host/scripts/image-pin.sh): a lowercase name without a registry port, and a
// tag (pinned to its digest by the hosts on its first pull), a sha256 digest, or both (the tag then names what the
// digest pins); a bare name would mean whatever "latest" is at pull time. Dependency-free.

/** One path component: lowercase letters and digits, joined by ".", "_", "__" or dashes. */
const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const NAME = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const TAG = /^\w[\w.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
/** distribution/reference: NameTotalLengthMax. */
const NAME_MAX = 255;

export const IMAGE_REFERENCE_RULE =
  "name:tag (pinned to its digest on the first pull) or name[:tag]@sha256:<64 hex>, the name in lowercase " +
  "without a registry port, e.g. nearprotocol/nearcore:2.13.3";

export interface ImageReference {
  name: string;
  tag?: string;
  digest?: string;
}

/** The parts of an image reference, or null when the hosts would refuse it. */
export function parseImageReference(ref: string): ImageReference | null {
  const at = ref.indexOf("@");
  if (at >= 0) {
    const digest = ref.slice(at + 1);
    if (!DIGEST.test(digest)) return null;
    const named = ref.slice(0, at);
    if (validName(named)) return { name: named, digest };
    const tagged = parseImageReference(named);
    return tagged?.tag !== undefined ? { ...tagged, digest } : null;
  }
  const colon = ref.lastIndexOf(":");
  if (colon < 0) return null;
  const name = ref.slice(0, colon);
  const tag = ref.slice(colon + 1);
  return validName(name) && TAG.test(tag) ? { name, tag } : null;
}

function validName(name: string): boolean {
  return name.length <= NAME_MAX && NAME.test(name);
}

export function isImageReference(ref: string): boolean {
  return parseImageReference(ref) !== null;
}
