// The in-VPC operations channel, owned by Layer 1 so every layer's gate can use it: the
// stack's two SSM Command documents (run-op, diagnostics) and the NEAR operations bundle,
// built from ops/ at deploy time and stored under its sha256 in the artifacts bucket.
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { buildOpsBundle } from "../../ops/build.js";
import type { ArnContext } from "../host/aws-arns.js";
import { s3ObjectArn } from "../host/aws-arns.js";
import type { PolicyStatement } from "../host/node-host.js";
import { SsmDocuments } from "./documents.js";

const OPS_BUNDLE_PREFIX = "ops/";
/** Built bundles, by content (git-ignored): the file the upload reads stays put and is reused. */
const BUNDLE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "dist", "ops");

/** Builds the bundle once per run and files it under its sha256. */
async function builtBundle(): Promise<{ path: string; sha256: string }> {
  const scratch = join(tmpdir(), `near-localnet-ops-${process.pid}-${Date.now()}.mjs`);
  try {
    const built = await buildOpsBundle(scratch);
    mkdirSync(BUNDLE_DIR, { recursive: true });
    const path = join(BUNDLE_DIR, `${built.sha256}.mjs`);
    copyFileSync(scratch, path);
    return { path, sha256: built.sha256 };
  } finally {
    rmSync(scratch, { force: true });
  }
}

export interface OpsChannelArgs {
  /** Prefix of the document names (<prefix>-run-op, <prefix>-diagnostics). */
  namePrefix: string;
  bucket: pulumi.Input<string>;
  tags: Record<string, string>;
  /** The image run-op runs the bundle in when a command names none (the stack's opsImage). */
  nodeImage: string;
}

/** Where a bundle lives and what it must hash to: what SsmOperation and the driver send. */
export interface OpsBundleRef {
  uri: pulumi.Output<string>;
  sha256: pulumi.Output<string>;
}

export class OpsChannel extends pulumi.ComponentResource {
  public readonly runOpDocument: pulumi.Output<string>;
  public readonly diagnosticsDocument: pulumi.Output<string>;
  public readonly bundle: OpsBundleRef;
  private readonly bucket: pulumi.Input<string>;

  constructor(name: string, args: OpsChannelArgs, opts?: pulumi.ComponentResourceOptions) {
    super("near-localnet:index:OpsChannel", name, {}, opts);
    this.bucket = args.bucket;
    const docs = new SsmDocuments(
      "ssm",
      { namePrefix: args.namePrefix, tags: args.tags, nodeImage: args.nodeImage },
      { parent: this },
    );

    const built = pulumi.output(builtBundle());
    const object = new aws.s3.BucketObjectv2(
      "ops-bundle",
      {
        bucket: args.bucket,
        key: pulumi.interpolate`${OPS_BUNDLE_PREFIX}${built.sha256}.mjs`,
        source: built.path.apply((p) => new pulumi.asset.FileAsset(p)),
        contentType: "text/javascript",
        tags: args.tags,
      },
      { parent: this },
    );

    this.runOpDocument = docs.runOpName;
    this.diagnosticsDocument = docs.diagnosticsName;
    // Both from the object, never from this run's build: a run that leaves Layer 1 alone keeps
    // the object's old outputs, and uri and sha256 must keep naming the same bytes.
    this.bundle = {
      uri: pulumi.interpolate`s3://${object.bucket}/${object.key}`,
      sha256: object.key.apply((k) =>
        k === undefined ? (undefined as unknown as string) : k.slice(OPS_BUNDLE_PREFIX.length, -".mjs".length),
      ),
    };
    this.registerOutputs({
      runOpDocument: this.runOpDocument,
      diagnosticsDocument: this.diagnosticsDocument,
      bundle: this.bundle,
    });
  }

  /** Lets an instance role fetch the operations bundle (any version of it) and nothing else. */
  bundleReadStatement(arns: ArnContext): PolicyStatement {
    return {
      Sid: "ReadOpsBundle",
      Effect: "Allow",
      Action: ["s3:GetObject"],
      Resource: s3ObjectArn(arns, this.bucket, `${OPS_BUNDLE_PREFIX}*`),
    };
  }
}
