// Layer 3's failure diagnostics name, per node, what the contract holds of its attestation: a node that
// is not attested cannot take part in keygen or answer sign requests.
import { expect, it } from "@jest/globals";
import { collectMpcDiagnostics } from "../diagnostics.js";
import { parseStackOutputs } from "../../../automation/stack-outputs.js";
import { healthyMpc, rawOutputs } from "../../../automation/test/fakes.js";

it("each node's line says whether the contract holds its attestation, also for a node that did not answer", async () => {
  const probe = healthyMpc();
  probe.contract.attestations = [
    { accountId: "mpc-node-0.localnet", state: "attested", detail: "attested with account key ed25519:AccountKey0" },
    {
      accountId: "mpc-node-1.localnet",
      state: "placeholder",
      detail: "only init's placeholder: the node has not submitted its participant info",
    },
    {
      accountId: "mpc-node-2.localnet",
      state: "missing",
      detail: "no attestation stored for its TLS key ed25519:P2pKey2",
    },
  ];
  probe.nodes[2] = { ...probe.nodes[2], reachable: false, error: "InvalidInstanceId", container: undefined };
  const d = await collectMpcDiagnostics(async () => probe, parseStackOutputs(rawOutputs(["base", "services", "mpc"])));
  const nodeLines = d!.lines.filter((l) => l.startsWith("  mpc-node-"));
  expect(nodeLines[0]).toMatch(/^ {2}mpc-node-0\.localnet \(i-0mpc0, 10\.0\.2\.10\): attested, \/health 200, /);
  expect(nodeLines[1]).toMatch(
    /^ {2}mpc-node-1\.localnet \(i-0mpc1, 10\.0\.2\.11\): NOT attested \(only init's placeholder: the node has not submitted its participant info\), \/health/,
  );
  expect(nodeLines[2]).toBe(
    "  mpc-node-2.localnet (i-0mpc2, 10.0.2.12): did not answer through SSM: InvalidInstanceId; NOT attested (no attestation stored for its TLS key ed25519:P2pKey2)",
  );
  expect(d!.contract?.attestations).toEqual(probe.contract.attestations);
});

it("without an attestation reading the lines are as before", async () => {
  const d = await collectMpcDiagnostics(
    async () => healthyMpc(),
    parseStackOutputs(rawOutputs(["base", "services", "mpc"])),
  );
  expect(d!.lines.filter((l) => l.startsWith("  mpc-node-")).every((l) => !l.includes("attested"))).toBe(true);
});
