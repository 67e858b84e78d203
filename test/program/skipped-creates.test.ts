// A per-layer `up` targets one layer; resources of the layers above are "skipped creates", which
// the engine answers with no id and no outputs, and @pulumi/pulumi before 3.256 still runs the
// program's applies on them. The program must survive that: no apply may throw on a missing value.
import * as pulumi from "@pulumi/pulumi";
import { installMocks, settle } from "../../automation/mocks.js";
import { loadConfig } from "../../layers/config.js";

const rejections: unknown[] = [];
const onRejection = (reason: unknown) => rejections.push(reason);

beforeAll(() => process.on("unhandledRejection", onRejection));
afterAll(() => process.off("unhandledRejection", onRejection));

test("every custom resource skipped: the whole program still runs without an error", async () => {
  const config = { "aws:region": "us-east-1" };
  pulumi.runtime.setAllConfig(config);
  const records = installMocks({
    project: "near-localnet",
    stack: "localnet",
    region: "us-east-1",
    skipped: (a) => a.custom !== false,
  });
  const cfg = loadConfig((k) => (config as Record<string, string>)[k], "localnet");
  const { NearBase } = await import("../../layers/base/component.js");
  const { NearServices } = await import("../../layers/services/component.js");
  const { ChainSignatures } = await import("../../layers/mpc/component.js");
  const base = new NearBase("base", { config: cfg });
  const services = new NearServices("services", { config: cfg, base });
  const mpc = new ChainSignatures("mpc", { config: cfg, base, services });
  await settle();
  await new Promise((r) => setTimeout(r, 50));
  expect(rejections).toEqual([]);
  expect(records.length).toBeGreaterThan(100);
  const value = <T>(o: pulumi.Output<T>) => new Promise<T>((r) => o.apply((v) => r(v)));
  expect(await value(mpc.rootKeys)).toEqual([]);
  expect(await value(services.transactions)).toBe(0);
  // nothing invented from a skipped operation: the driver must not take Layers 2 and 3 for deployed
  expect(await value(services.contracts)).toBeUndefined();
  expect(await value(services.faucetUrl)).toBeUndefined();
  expect(await value(mpc.contractId)).toBeUndefined();
});
