// Bundles the NEAR operations into ONE file, dist/ops.mjs (ESM, platform node, target node20),
// and prints its sha256. Run: npx tsx ops/build.ts [--outfile <path>]
// The stack runs this at deploy time, uploads the file to an S3 object it owns and pins the hash.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const here = path.dirname(fileURLToPath(import.meta.url));
export const DEFAULT_OUTFILE = path.resolve(here, "..", "dist", "ops.mjs");

export interface BuiltBundle {
  path: string;
  sha256: string;
  bytes: number;
}

export async function buildOpsBundle(outfile: string = DEFAULT_OUTFILE): Promise<BuiltBundle> {
  await build({
    entryPoints: [path.join(here, "main.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // CommonJS dependencies (the AWS SDK's) call require() for node built-ins
    banner: {
      js: 'import { createRequire as __opsCreateRequire } from "node:module"; const require = __opsCreateRequire(import.meta.url);',
    },
    legalComments: "none",
    // Paths in the bundle's comments are relative to this directory: the repository root, so the bytes (and the
    // sha256 every operation is pinned to) are the same from whichever directory the program runs.
    absWorkingDir: path.resolve(here, ".."),
    logLevel: "warning",
  });
  const bytes = await readFile(outfile);
  return { path: outfile, sha256: createHash("sha256").update(bytes).digest("hex"), bytes: bytes.length };
}

const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(entry).href) {
  const i = process.argv.indexOf("--outfile");
  const out = i > 0 ? path.resolve(process.argv[i + 1]) : DEFAULT_OUTFILE;
  buildOpsBundle(out).then(
    (b) => {
      process.stderr.write(`built ${b.path} (${b.bytes} bytes)\n`);
      process.stdout.write(`${b.sha256}\n`);
    },
    (e) => {
      process.stderr.write(`${(e as Error).message}\n`);
      process.exit(1);
    },
  );
}
