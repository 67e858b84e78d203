// The one validator of container image references in the configuration (nearcoreImage, mpcImage, ...): the
// reference grammar of the distribution project (distribution/reference, reference.go), narrowed to what the hosts'
// bootstraps accept (layers/base/scripts/bootstrap.sh NEAR_IMAGE, layers/mpc/scripts/bootstrap.sh MPC_IMAGE): a
// lowercase name without a registry port, and exactly one of a tag or a sha256 digest (a bare name would mean
// whatever "latest" is at pull time). Dependency-free.

/** One path component: lowercase letters and digits, joined by ".", "_", "__" or dashes. */
const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const NAME = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const TAG = /^\w[\w.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
/** distribution/reference: NameTotalLengthMax. */
const NAME_MAX = 255;

export const IMAGE_REFERENCE_RULE =
  "name:tag or name@sha256:<64 hex>, the name in lowercase without a registry port, e.g. nearprotocol/nearcore:2.13.3";

export interface ImageReference {
  name: string;
  tag?: string;
  digest?: string;
}

/** The parts of an image reference, or null when the hosts would refuse it. */
export function parseImageReference(ref: string): ImageReference | null {
  const at = ref.indexOf("@");
  if (at >= 0) {
    const name = ref.slice(0, at);
    const digest = ref.slice(at + 1);
    return validName(name) && DIGEST.test(digest) ? { name, digest } : null;
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
