// The stack-owned SSM Command documents of the in-VPC operations channel:
//   <prefix>-run-op       runs one operation of the NEAR ops bundle (platform/ssm/scripts/run-op.sh)
//   <prefix>-diagnostics  fixed, read-only probes (platform/ssm/scripts/diagnostics.sh)
//
// SSM substitutes "{{ name }}" in a document's text with the parameter's value before the
// agent runs it, so each parameter is (1) restricted by a strict allowedPattern or
// allowedValues (no quote, `$`, backquote, backslash, space or newline can get through),
// (2) marked interpolationType ENV_VAR, so agents 3.3.2746+ hand it over as the environment
// variable SSM_<name>, and (3) read by a header that prefers that variable and otherwise
// falls back to the single-quoted interpolated text. The script bodies never contain "{{".
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { readScript, type ShippedScript } from "../host/render.js";
import { HOST_SCRIPTS } from "../host/scripts.js";
import { SSM_SCRIPTS } from "./scripts.js";
import {
  BUNDLE_URI_PATTERN,
  DEFAULT_NODE_IMAGE,
  DIAGNOSTIC_CONTAINERS,
  DIAGNOSTIC_PROBES,
  EXECUTION_TIMEOUT_PATTERN,
  IMAGE_PATTERN,
  LOG_LINES_PATTERN,
  OPERATION_PATTERN,
  PAYLOAD_PATTERN,
  SHA256_PATTERN,
} from "./patterns.js";

/** Default execution timeout of a run-op command, seconds. */
const RUN_OP_DEFAULT_EXECUTION_TIMEOUT = 1800;

interface DocumentParameter {
  type: "String";
  description: string;
  default?: string;
  allowedPattern?: string;
  allowedValues?: readonly string[];
  interpolationType?: "ENV_VAR";
}

/** A parameter that reaches the script as an environment variable. */
interface ScriptParameter {
  /** Document parameter name (SSM_<name> under ENV_VAR interpolation). */
  name: string;
  /** Variable the script reads. */
  env: string;
  spec: DocumentParameter;
}

export interface CommandDocumentContent {
  schemaVersion: "2.2";
  description: string;
  parameters: Record<string, DocumentParameter>;
  mainSteps: Array<{
    action: "aws:runShellScript";
    name: string;
    precondition?: { StringEquals: [string, string] };
    inputs: { timeoutSeconds: string; runCommand: string[] };
  }>;
}

const PARAMETER_REF = /\{\{\s*([A-Za-z0-9_.:-]+)\s*\}\}/g;

/** The header that moves each parameter into its script variable, the libraries the body sources, then the body. */
function scriptLines(
  title: string,
  script: ShippedScript,
  parameters: ScriptParameter[],
  libraries: ShippedScript[] = [],
): string[] {
  const text = (s: ShippedScript) => {
    const body = readScript(s).replace(/^#!.*\n/, "");
    if (body.includes("{{")) throw new Error(`${s.name} contains "{{", which SSM would read as a parameter reference`);
    return body.replace(/\n$/, "").split("\n");
  };
  const header = [
    "#!/bin/bash",
    ...(parameters.length === 0
      ? [`# near-localnet ${title} (platform/ssm/documents.ts). The document takes no parameter.`]
      : [
          `# near-localnet ${title} (platform/ssm/documents.ts). Parameters arrive as SSM_<name> variables (agent 3.3.2746+)`,
          "# or interpolated into the single-quoted fallbacks; their allowedPatterns admit no quote.",
        ]),
    "set -euo pipefail",
    ...parameters.map(
      (p) =>
        `if [ -n "\${SSM_${p.name}+x}" ]; then export ${p.env}="$SSM_${p.name}"; else export ${p.env}='{{ ${p.name} }}'; fi`,
    ),
  ];
  return [...header, ...libraries.flatMap(text), ...text(script)];
}

function checkReferences(content: CommandDocumentContent): CommandDocumentContent {
  const text = JSON.stringify(content);
  for (const match of text.matchAll(PARAMETER_REF)) {
    if (!(match[1] in content.parameters)) throw new Error(`document references undeclared parameter ${match[1]}`);
  }
  return content;
}

const RUN_OP_PARAMETERS: ScriptParameter[] = [
  {
    name: "operation",
    env: "OPERATION",
    spec: {
      type: "String",
      description: `Ops bundle operation, or "faucet-start" / "faucet-stop" to (re)start / remove the detached faucet container.`,
      allowedPattern: OPERATION_PATTERN,
      interpolationType: "ENV_VAR",
    },
  },
  {
    name: "payload",
    env: "PAYLOAD",
    spec: {
      type: "String",
      description:
        "Base64 (standard alphabet) of the operation's JSON payload. Never holds a key: keys are named by reference.",
      allowedPattern: PAYLOAD_PATTERN,
      interpolationType: "ENV_VAR",
    },
  },
  {
    name: "bundleUri",
    env: "BUNDLE_URI",
    spec: {
      type: "String",
      description: "s3://bucket/key of the ops bundle.",
      allowedPattern: BUNDLE_URI_PATTERN,
      interpolationType: "ENV_VAR",
    },
  },
  {
    name: "bundleSha256",
    env: "BUNDLE_SHA256",
    spec: {
      type: "String",
      description: "sha256 of the ops bundle; a download with another checksum is refused.",
      allowedPattern: SHA256_PATTERN,
      interpolationType: "ENV_VAR",
    },
  },
  {
    name: "nodeImage",
    env: "NODE_IMAGE",
    spec: {
      type: "String",
      description: "Container image that runs the bundle with node.",
      default: DEFAULT_NODE_IMAGE,
      allowedPattern: IMAGE_PATTERN,
      interpolationType: "ENV_VAR",
    },
  },
];

/** Content of the run-op document; `nodeImage` is the image a command that names none runs in. */
export function runOpDocumentContent(nodeImage: string = DEFAULT_NODE_IMAGE): CommandDocumentContent {
  if (!new RegExp(IMAGE_PATTERN).test(nodeImage)) throw new Error(`nodeImage ${nodeImage} is not an image reference`);
  const parameters = RUN_OP_PARAMETERS.map((p) =>
    p.name === "nodeImage" ? [p.name, { ...p.spec, default: nodeImage }] : [p.name, p.spec],
  );
  return checkReferences({
    schemaVersion: "2.2",
    description:
      "near-localnet: run one NEAR operation of the checksum-pinned ops bundle in a node container (stdout: JSON lines).",
    parameters: {
      ...Object.fromEntries(parameters),
      executionTimeout: {
        type: "String",
        description: "Seconds the operation may run before SSM stops it.",
        default: String(RUN_OP_DEFAULT_EXECUTION_TIMEOUT),
        allowedPattern: EXECUTION_TIMEOUT_PATTERN,
      },
    },
    mainSteps: [
      {
        action: "aws:runShellScript",
        name: "runOp",
        precondition: { StringEquals: ["platformType", "Linux"] },
        inputs: {
          timeoutSeconds: "{{ executionTimeout }}",
          runCommand: scriptLines("run-op", SSM_SCRIPTS.runOp, RUN_OP_PARAMETERS, [
            HOST_SCRIPTS.imagePin,
            HOST_SCRIPTS.redact,
          ]),
        },
      },
    ],
  });
}

const DIAGNOSTICS_PARAMETERS: ScriptParameter[] = [
  {
    name: "probe",
    env: "PROBE",
    spec: {
      type: "String",
      description: "Which read-only probe to run.",
      default: "containers",
      allowedValues: DIAGNOSTIC_PROBES,
      interpolationType: "ENV_VAR",
    },
  },
  {
    name: "container",
    env: "CONTAINER",
    spec: {
      type: "String",
      description: `Container whose logs the "logs" probe reads.`,
      default: "neard",
      allowedValues: DIAGNOSTIC_CONTAINERS,
      interpolationType: "ENV_VAR",
    },
  },
  {
    name: "lines",
    env: "LINES",
    spec: {
      type: "String",
      description: `Number of last log lines for the "logs" and "mpc-bootstrap" probes.`,
      default: "100",
      allowedPattern: LOG_LINES_PATTERN,
      interpolationType: "ENV_VAR",
    },
  },
];

/** Content of the diagnostics document. */
export function diagnosticsDocumentContent(): CommandDocumentContent {
  return checkReferences({
    schemaVersion: "2.2",
    description:
      "near-localnet: fixed read-only probes (containers, logs, local health endpoints). No arbitrary commands.",
    parameters: Object.fromEntries(DIAGNOSTICS_PARAMETERS.map((p) => [p.name, p.spec])),
    mainSteps: [
      {
        action: "aws:runShellScript",
        name: "diagnostics",
        precondition: { StringEquals: ["platformType", "Linux"] },
        inputs: {
          timeoutSeconds: "120",
          runCommand: scriptLines("diagnostics", SSM_SCRIPTS.diagnostics, DIAGNOSTICS_PARAMETERS, [
            HOST_SCRIPTS.redact,
          ]),
        },
      },
    ],
  });
}

const DOCUMENT_NAME = /^[a-zA-Z0-9_.-]{3,128}$/;

/** SSM document names: 3 to 128 of [a-zA-Z0-9_.-], not starting with aws, amazon or amzn. */
export function documentName(prefix: string, suffix: string): string {
  const name = `${prefix}-${suffix}`;
  if (!DOCUMENT_NAME.test(name) || /^(aws|amazon|amzn)/i.test(name)) {
    throw new Error(
      `invalid SSM document name ${name}: use [a-zA-Z0-9_.-], 3-128 characters, not starting with aws/amazon/amzn`,
    );
  }
  return name;
}

export interface SsmDocumentsArgs {
  /** Prefix of the document names, e.g. "near-localnet-localnet" gives "near-localnet-localnet-run-op". */
  namePrefix: string;
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** The run-op document's default nodeImage (commands that name none run in it). Default node:22-slim. */
  nodeImage?: string;
}

/** The two Command documents of the channel. Their names are what SsmOperation and the driver send. */
export class SsmDocuments extends pulumi.ComponentResource {
  readonly runOp: aws.ssm.Document;
  readonly diagnostics: aws.ssm.Document;
  /** Name of the run-op document. */
  readonly runOpName: pulumi.Output<string>;
  /** Name of the diagnostics document. */
  readonly diagnosticsName: pulumi.Output<string>;
  readonly runOpArn: pulumi.Output<string>;
  readonly diagnosticsArn: pulumi.Output<string>;

  constructor(name: string, args: SsmDocumentsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("near-localnet:index:SsmDocuments", name, {}, opts);
    const common = {
      documentType: "Command",
      documentFormat: "JSON",
      targetType: "/AWS::EC2::Instance",
      tags: args.tags,
    };
    this.runOp = new aws.ssm.Document(
      `${name}-run-op`,
      {
        ...common,
        name: documentName(args.namePrefix, "run-op"),
        content: JSON.stringify(runOpDocumentContent(args.nodeImage)),
      },
      { parent: this },
    );
    this.diagnostics = new aws.ssm.Document(
      `${name}-diagnostics`,
      {
        ...common,
        name: documentName(args.namePrefix, "diagnostics"),
        content: JSON.stringify(diagnosticsDocumentContent()),
      },
      { parent: this },
    );
    this.runOpName = this.runOp.name;
    this.diagnosticsName = this.diagnostics.name;
    this.runOpArn = this.runOp.arn;
    this.diagnosticsArn = this.diagnostics.arn;
    this.registerOutputs({
      runOpName: this.runOpName,
      diagnosticsName: this.diagnosticsName,
      runOpArn: this.runOpArn,
      diagnosticsArn: this.diagnosticsArn,
    });
  }
}

/** A one-step shell document without parameters around a shipped script (a stack's fixed remedy, e.g. a restart). */
export function fixedScriptDocumentContent(o: {
  title: string;
  description: string;
  stepName: string;
  script: ShippedScript;
  timeoutSeconds: number;
}): CommandDocumentContent {
  return checkReferences({
    schemaVersion: "2.2",
    description: o.description,
    parameters: {},
    mainSteps: [
      {
        action: "aws:runShellScript",
        name: o.stepName,
        precondition: { StringEquals: ["platformType", "Linux"] },
        inputs: { timeoutSeconds: String(o.timeoutSeconds), runCommand: scriptLines(o.title, o.script, []) },
      },
    ],
  });
}
