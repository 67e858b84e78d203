// The near-localnet Pulumi program: one stack per environment, the layers as components,
// each higher layer fed the lower layers' outputs. Configuration is validated first, so bad
// input fails before anything is created.
import * as pulumi from "@pulumi/pulumi";
import { loadConfig, type ConfigGetter } from "./platform/config/config.js";
import { NearBase } from "./layers/base/component.js";
import { NearServices } from "./layers/services/component.js";
import { ChainSignatures } from "./layers/mpc/component.js";

const configs = new Map<string, pulumi.Config>();
const get: ConfigGetter = (key) => {
  const [ns, name] = key.split(":");
  if (!configs.has(ns)) configs.set(ns, new pulumi.Config(ns));
  return configs.get(ns)!.get(name);
};

const cfg = loadConfig(get, pulumi.getStack());

const base = new NearBase("base", { config: cfg });

/** Layer 1 outputs: the interface the driver, the higher layers and the operators read. */
export const baseLayer = {
  instanceId: base.instanceId,
  privateIp: base.privateIp,
  rpcUrl: base.rpcUrl,
  chainId: base.chainId,
  bootNodes: base.bootNodes,
  nodePublicKey: base.nodePublicKey,
  genesis: base.genesis,
  rootAccountId: base.rootAccountId,
  rootPublicKey: base.rootPublicKey,
  rootAccountKeyParameter: base.rootAccountKeyParameter,
  rootAccountIdParameter: base.rootAccountIdParameter,
  vpcId: base.vpcId,
  subnetIds: base.subnetIds,
  securityGroupId: base.securityGroupId,
  artifactsBucket: base.artifactsBucket,
};
export { baseLayer as base };

const services = new NearServices("services", { config: cfg, base });

/** Layer 2 outputs. */
export const servicesLayer = {
  contracts: services.contracts,
  faucetUrl: services.faucetUrl,
  faucetAccountId: services.faucetAccountId,
};
export { servicesLayer as services };

const mpc = new ChainSignatures("mpc", { config: cfg, base, services });

/** Layer 3 outputs. */
export const mpcLayer = {
  nodes: mpc.nodes.map((n) => ({
    instanceId: n.instanceId,
    privateIp: n.privateIp,
    address: n.address,
    url: n.url,
    accountId: n.accountId,
    accountPublicKey: n.accountPublicKey,
    p2pPublicKey: n.p2pPublicKey,
  })),
  contractId: mpc.contractId,
  codeHash: mpc.codeHash,
  threshold: mpc.threshold,
  domains: mpc.domains,
  rootKeys: mpc.rootKeys,
  namespace: mpc.namespace,
};
export { mpcLayer as mpc };

// The in-VPC operations channel (owned by Layer 1, used by every layer's gate and by the driver).
export const opsDocument = base.opsDocument;
export const diagnosticsDocument = base.diagnosticsDocument;
export const opsBundle = base.opsBundle;
