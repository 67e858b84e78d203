// The limits AWS puts on tags (the Tagging AWS Resources user guide, "Tag naming limits and requirements", the
// same for EC2, IAM, S3, SSM, Secrets Manager, CloudWatch Logs and Cloud Map): at most 50 tags on a resource, keys of
// 1-128 and values of 0-256 Unicode characters drawn from letters, digits, spaces and + - = . _ : / @, keys not
// starting with aws: (reserved for AWS). Dependency-free.

const MAX_TAGS = 50;
const KEY_MAX = 128;
const VALUE_MAX = 256;
const ALLOWED = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const ALLOWED_TEXT = "letters, digits, spaces and + - = . _ : / @";

/** What is wrong with a set of tags the stack adds to `own` (its own tag keys), one sentence each. */
export function checkTags(tags: Record<string, string>, own: readonly string[]): string[] {
  const problems: string[] = [];
  const total = Object.keys(tags).length + own.filter((k) => !(k in tags)).length;
  if (total > MAX_TAGS) {
    problems.push(
      `is ${Object.keys(tags).length} tags; with the stack's own ${own.length} (${own.join(", ")}) a resource ` +
        `would carry ${total}, and AWS allows at most ${MAX_TAGS}`,
    );
  }
  for (const [k, v] of Object.entries(tags)) {
    const key = JSON.stringify(k);
    const length = [...k].length;
    if (own.includes(k)) problems.push(`tag key ${key} is one the stack sets itself`);
    else if (k.toLowerCase().startsWith("aws:")) problems.push(`tag key ${key}: keys starting with aws: are AWS's own`);
    else if (length === 0 || length > KEY_MAX) problems.push(`tag key ${key} has ${length} characters (1-${KEY_MAX})`);
    else if (!ALLOWED.test(k)) problems.push(`tag key ${key} may contain only ${ALLOWED_TEXT}`);
    if ([...v].length > VALUE_MAX)
      problems.push(`tag ${key}'s value has ${[...v].length} characters (at most ${VALUE_MAX})`);
    else if (!ALLOWED.test(v)) problems.push(`tag ${key}'s value may contain only ${ALLOWED_TEXT}`);
  }
  return problems;
}
