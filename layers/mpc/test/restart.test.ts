// The restart document and who may send it, under Pulumi's mock runtime: a document with no parameter
// whose script restarts the MPC node container only; the base instance may send that document to the
// stack's MPC node instances and nothing else; the attestation check runs before every vote and the
// keygen wait carries what it needs to restart a node.
import { harness, type Harness } from "../../../test/support/pulumi-harness.js";
import { MOCK_ACCOUNT } from "../../../automation/mocks.js";
import { NearBase } from "../../base/component.js";
import { NearServices } from "../../services/component.js";
import { ChainSignatures } from "../component.js";
import { restartDocumentContent } from "../restart.js";

let h: Harness;

beforeAll(async () => {
  h = harness({}, "localnet");
  const base = new NearBase("base", { config: h.cfg });
  const services = new NearServices("services", { config: h.cfg, base });
  new ChainSignatures("mpc", { config: h.cfg, base, services });
  await h.settle();
});

const DOC = "near-localnet-localnet-mpc-restart";
const envOf = (name: string) =>
  (h.one("command:local:Command", `${name}-run`).inputs as any).environment as Record<string, string>;
const payloadOf = (name: string) => JSON.parse(Buffer.from(envOf(name).SSM_RUN_PAYLOAD, "base64").toString("utf8"));
const nodeInstanceIds = () => [0, 1, 2].map((i) => envOf(`mpc-node-${i}-vote-domains`).SSM_RUN_INSTANCE_ID);
const baseInstanceId = () => envOf("signer-setup").SSM_RUN_INSTANCE_ID;

test("the restart document: no parameter, one Linux step that restarts the mpc-node container and nothing else", () => {
  const doc = h.one("aws:ssm/document:Document", "mpc-restart").inputs as any;
  expect(doc).toMatchObject({
    name: DOC,
    documentType: "Command",
    documentFormat: "JSON",
    targetType: "/AWS::EC2::Instance",
  });
  const content = JSON.parse(doc.content);
  expect(content).toEqual(restartDocumentContent());
  expect(content.parameters).toEqual({});
  expect(content.mainSteps).toHaveLength(1);
  const step = content.mainSteps[0];
  expect(step).toMatchObject({
    action: "aws:runShellScript",
    name: "restartMpcNode",
    precondition: { StringEquals: ["platformType", "Linux"] },
    inputs: { timeoutSeconds: "900" },
  });
  const script: string = step.inputs.runCommand.join("\n");
  expect(doc.content).not.toContain("{{");
  expect(script).toContain("C=mpc-node");
  // the only docker commands it runs: inspect and restart, of that one container
  const commands = script
    .split("\n")
    .flatMap((l) => [...l.matchAll(/(?:^|[;|&(]|\$\(|then|\|\|)\s*docker ([^|)]*)/g)].map((m) => m[1].trim()));
  expect(commands).toEqual([
    'container inspect -f "$fmt" "$C" 2>/dev/null',
    'restart --time "$STOP_SECONDS" "$C" >/dev/null',
    'container inspect -f "$fmt" "$C" 2>/dev/null',
  ]);
});

test("the base role may send that document to the stack's MPC node instances only", () => {
  const policy = h.one("aws:iam/rolePolicy:RolePolicy", "base-mpc-restart");
  expect((policy.inputs as any).role).toBe("base-role");
  const doc = JSON.parse((policy.inputs as any).policy);
  expect(doc.Statement).toEqual([
    {
      Sid: "SendMpcRestart",
      Effect: "Allow",
      Action: ["ssm:SendCommand"],
      Resource: [
        `arn:aws:ssm:us-east-1:${MOCK_ACCOUNT}:document/${DOC}`,
        ...nodeInstanceIds().map((id) => `arn:aws:ec2:us-east-1:${MOCK_ACCOUNT}:instance/${id}`),
      ],
    },
    { Sid: "ReadMpcRestartResult", Effect: "Allow", Action: ["ssm:GetCommandInvocation"], Resource: "*" },
  ]);
  // not the base instance itself, not the run-op or diagnostics documents, no wildcard on SendCommand
  expect(nodeInstanceIds()).toHaveLength(3);
  expect(JSON.stringify(doc.Statement[0])).not.toContain(baseInstanceId());
  expect(JSON.stringify(doc.Statement[0])).not.toMatch(/run-op|diagnostics|\*/);
  // the MPC hosts themselves get no right to send commands
  for (const i of [0, 1, 2])
    expect((h.one("aws:iam/rolePolicy:RolePolicy", `mpc-node-${i}-access`).inputs as any).policy).not.toContain(
      "ssm:SendCommand",
    );
});

test("before the votes the base instance checks every participant's attestation; the keygen wait can restart too", () => {
  const attestation = {
    restartDocument: DOC,
    nodes: nodeInstanceIds().map((instanceId, i) => ({
      accountId: `mpc-node-${i}.localnet`,
      accountPublicKey: expect.stringMatching(/^ed25519:/),
      instanceId,
    })),
    restartTimeoutSeconds: 960,
  };
  expect(envOf("attestation").SSM_RUN_OPERATION).toBe("mpc-ensure-attested");
  expect(envOf("attestation").SSM_RUN_INSTANCE_ID).toBe(baseInstanceId());
  expect(payloadOf("attestation")).toEqual({
    contractId: "v1.signer.localnet",
    rpcUrl: "http://127.0.0.1:3030",
    chainId: "mpc-localnet",
    attestation,
  });
  // the account keys are the nodes' (the same the set-up gives their accounts), never a secret
  expect(payloadOf("attestation").attestation.nodes.map((n: any) => n.accountPublicKey)).toEqual(
    payloadOf("signer-setup").nodes.map((n: any) => n.accountPublicKey),
  );
  expect(payloadOf("keygen").attestation).toEqual(attestation);

  const check = h.one("near-localnet:index:SsmOperation", "attestation");
  expect(check.dependencies).toContain(h.one("command:local:Command", "signer-setup-run").urn);
  for (const i of [0, 1, 2]) {
    expect(check.dependencies).toContain(h.one("aws:ec2/instance:Instance", `mpc-node-${i}-instance`).urn);
    expect(h.one("near-localnet:index:SsmOperation", `mpc-node-${i}-vote-domains`).dependencies).toContain(
      h.one("command:local:Command", "attestation-run").urn,
    );
  }
  // the step waits for the right to send the restart
  expect(h.one("command:local:Command", "attestation-run").dependencies).toContain(
    h.one("aws:iam/rolePolicy:RolePolicy", "base-mpc-restart").urn,
  );
});
