// destinationChain "none": Layer 2 creates no destination-chain resource and exports no chain.
import { harness, valueOf, type Harness } from "../../../../test/support/pulumi-harness.js";
import { NearBase } from "../../../base/component.js";
import { NearServices } from "../../component.js";

let h: Harness;
let services: NearServices;

beforeAll(async () => {
  h = harness({ "near-localnet:destinationChain": "none" });
  services = new NearServices("services", { config: h.cfg, base: new NearBase("base", { config: h.cfg }) });
  await h.settle();
});

test("no dev key, no port, no document, no association; services.evm undefined", async () => {
  expect(h.records.filter((r) => /evm/.test(r.name)).map((r) => `${r.type}::${r.name}`)).toEqual([]);
  expect(h.byType("aws:ssm/association:Association")).toEqual([]);
  expect(await valueOf(services.evm)).toBeUndefined();
  // the faucet is there as before
  expect(h.one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "faucet-from-vpc")).toBeDefined();
});
