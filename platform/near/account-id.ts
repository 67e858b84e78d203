// NEAR account ids (near/near-account-id-rs src/validation.rs): 2 to 64 characters; parts of lowercase
// letters and digits joined by single '-' or '_', the parts separated by single '.'; no separator first
// or last. Dependency-free: the Pulumi program, the CLI and the ops bundle share it.

const ACCOUNT_ID_MIN_LEN = 2;
export const ACCOUNT_ID_MAX_LEN = 64;

const PART = "[a-z\\d]+(?:[-_][a-z\\d]+)*";
const PART_RE = new RegExp(`^${PART}$`);
const ACCOUNT_ID_RE = new RegExp(`^${PART}(?:\\.${PART})*$`);

/** Whether `id` is a valid NEAR account id. */
export function isValidAccountId(id: unknown): id is string {
  return (
    typeof id === "string" &&
    id.length >= ACCOUNT_ID_MIN_LEN &&
    id.length <= ACCOUNT_ID_MAX_LEN &&
    ACCOUNT_ID_RE.test(id)
  );
}

/** Whether `label` is one part of an account id (what goes before ".<parent>" in a sub-account). */
export function isAccountIdPart(label: unknown): label is string {
  return typeof label === "string" && PART_RE.test(label);
}
