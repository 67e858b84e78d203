// Layer 3's domain outputs carry the contract's domain ids: after a cancelled keygen the domains were voted
// again under new ids (vote_cancel_keygen never reuses one), and the sign test and derive read them here.
import { harness, valueOf } from "../../../test/support/pulumi-harness.js";
import { NearBase } from "../../base/component.js";
import { NearServices } from "../../services/component.js";
import { ChainSignatures } from "../component.js";
import { signDomains } from "../../../automation/commands/sign-test.js";
import { parseStackOutputs } from "../../../automation/stack-outputs.js";

const ROOT_KEYS = [
  { scheme: "secp256k1", domainId: 2, publicKey: "secp256k1:root2" },
  { scheme: "ed25519", domainId: 3, publicKey: "ed25519:root3" },
];

test("domain ids come from the contract (2 and 3 after a cancelled keygen), not from list positions", async () => {
  const h = harness({}, "localnet", (operation) =>
    operation === "mpc-wait-keygen" ? { contractId: "v1.signer.localnet", phase: "Running", domains: ROOT_KEYS } : {},
  );
  const base = new NearBase("base", { config: h.cfg });
  const services = new NearServices("services", { config: h.cfg, base });
  const mpc = new ChainSignatures("mpc", { config: h.cfg, base, services });
  await h.settle();
  const domains = await valueOf(mpc.domains);
  expect(domains).toEqual([
    { id: 2, scheme: "secp256k1", protocol: "CaitSith", purpose: "Sign" },
    { id: 3, scheme: "ed25519", protocol: "Frost", purpose: "Sign" },
  ]);
  // what the sign test asks the contract for
  const outputs = parseStackOutputs({
    mpc: { value: { nodes: [], contractId: "v1.signer.localnet", domains }, secret: false },
  });
  expect(signDomains(outputs).map((d) => [d.domainId, d.scheme])).toEqual([
    [2, "Secp256k1"],
    [3, "Ed25519"],
  ]);
});
