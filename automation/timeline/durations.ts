// THE table of step durations that `estimate` reads: one row per kind of step of a cold `up`,
// with where its figure comes from. No deploy of this program has been timed yet, so every figure
// is an assumption with its basis named; once real runs exist, replace a row by the median of
// that step in their timeline.json files (`estimate --json` names each step's kind). The estimate
// is for comparing plans (a change that serialises work lengthens the chain), not a promise.

/** A kind of step and what the estimate charges for it. */
interface StepDuration {
  seconds: number;
  /** Resource types (Pulumi type tokens) charged with this row; none for the driver's own steps. */
  types?: readonly string[];
  /** Where the figure comes from. */
  source: string;
}

export const STEP_DURATIONS = {
  "engine-start": {
    seconds: 20,
    source:
      "assumed: each per-layer `pulumi up` starts the CLI, the Node.js program and the aws/command/random plugins before its first step",
  },
  "instance-boot": {
    seconds: 45,
    types: ["aws:ec2/instance:Instance"],
    source:
      "assumed: RunInstances until `running`, which the aws provider waits for (AWS EC2 user guide, instance lifecycle)",
  },
  "nat-gateway": {
    seconds: 120,
    types: ["aws:ec2/natGateway:NatGateway"],
    source: "assumed: a NAT gateway goes `pending` -> `available` in one to a few minutes (AWS VPC user guide)",
  },
  "dns-namespace": {
    seconds: 60,
    types: ["aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace"],
    source:
      "assumed: Cloud Map creates a Route 53 private hosted zone asynchronously; the provider polls the operation",
  },
  "iam-profile": {
    seconds: 10,
    types: ["aws:iam/instanceProfile:InstanceProfile"],
    source: "assumed: the aws provider waits out IAM's eventual consistency before an instance can use a new profile",
  },
  "volume-attach": {
    seconds: 15,
    types: ["aws:ec2/volumeAttachment:VolumeAttachment", "aws:ebs/volume:Volume"],
    source: "assumed: EBS create/attach until `available`/`attached`",
  },
  "local-resource": {
    seconds: 1,
    types: ["random:index/randomBytes:RandomBytes"],
    source: "assumed: made by the provider on the operator's machine, no cloud call",
  },
  "evm-start": {
    seconds: 45,
    types: ["aws:ssm/association:Association"],
    source:
      "assumed: the association's first run of layers/services/evm/scripts/evm-start.sh, which the provider waits for: the ~44 MB anvil tarball from the npm registry checked, the service started, its first answer",
  },
  "aws-resource": {
    seconds: 3,
    source: "assumed: any other AWS API create (VPC, subnet, rule, role, policy, secret, parameter, S3, DNS record)",
  },
  "docker-and-near-image": {
    seconds: 120,
    source:
      "assumed: base bootstrap (layers/base/scripts/bootstrap.sh): dnf install docker, pull nearprotocol/nearcore, neard init, start, publish the genesis",
  },
  "mpc-host-prepare": {
    seconds: 240,
    source:
      "assumed: MPC bootstrap (layers/mpc/scripts/bootstrap.sh) before it needs the chain: dnf install docker, read secrets, format and mount the volume, pull nearone/mpc-node (a large image)",
  },
  "mpc-host-join": {
    seconds: 60,
    source:
      "assumed: MPC bootstrap once the genesis is published: fetch and check it, mpc-node init, start the node, its neard syncs the young chain",
  },
  "genesis-wait": {
    seconds: 10,
    source: "automation/await-genesis.ts polls every 10 s: at most one interval after the base bootstrap publishes",
  },
  "core-contracts": {
    seconds: 90,
    source:
      "assumed: the `apply` operation (platform/near/plan.ts): wasm fetch and check, about ten transactions at ~1 s blocks, through SSM",
  },
  "ssm-operation": {
    seconds: 30,
    source:
      "assumed: one ops-bundle operation through SSM Run Command (send, run-op.sh in a node container, a few transactions)",
  },
  "signer-setup": {
    seconds: 60,
    source:
      "assumed: mpc-setup-signer: accounts, the 1.18 MB signer wasm deployed and initialised in one transaction, through SSM",
  },
  keygen: {
    seconds: 180,
    source:
      "assumed: distributed key generation of the configured domains by the nodes, polled by mpc-wait-keygen every 5 s",
  },
  gate: {
    seconds: 30,
    source: "assumed: a layer's probes through SSM (layers/<layer>/probe.ts), e.g. Layer 1 watches blocks advance",
  },
  "sign-test": {
    seconds: 60,
    source:
      "assumed: automation/commands/sign-test.ts: an ECDSA and an EdDSA request answered by the nodes and verified",
  },
} as const satisfies Record<string, StepDuration>;

export type StepKind = keyof typeof STEP_DURATIONS;

/** Operations (layers/<layer>/ops, the SsmOperation's `operation`) with a row of their own. */
export const OPERATION_KINDS: Readonly<Record<string, StepKind>> = {
  apply: "core-contracts",
  "mpc-setup-signer": "signer-setup",
  "mpc-wait-keygen": "keygen",
};

/** The row charged for a resource type: the row naming it, else a generic AWS create. */
export function kindOfType(type: string): StepKind {
  for (const [kind, row] of Object.entries(STEP_DURATIONS) as [StepKind, StepDuration][]) {
    if (row.types?.includes(type)) return kind;
  }
  return "aws-resource";
}
