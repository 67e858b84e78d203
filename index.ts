// The near-localnet Pulumi program: one stack per environment, the layers (layers/registry.ts) as
// components, each higher layer fed the lower layers' outputs. Configuration is validated first,
// so bad input fails before anything is created. Each layer's stack output is typed by the
// layer's outputs module, which is also what the driver parses.
import * as pulumi from "@pulumi/pulumi";
import { loadConfig, type ConfigGetter } from "./layers/config.js";
import { NearBase } from "./layers/base/component.js";
import type { BaseExport } from "./layers/base/outputs.js";
import { NearServices } from "./layers/services/component.js";
import type { ServicesExport } from "./layers/services/outputs.js";
import { ChainSignatures } from "./layers/mpc/component.js";
import type { MpcExport } from "./layers/mpc/outputs.js";
import type { LayerId } from "./layers/registry.js";
import { nameTags, physicalName } from "./platform/host/naming.js";
import { ParkSchedule } from "./platform/host/park-schedule.js";

/** A value of type T whose parts may be Outputs. */
type Exported<T> =
  | pulumi.Input<T>
  | (T extends Array<infer U> ? Array<Exported<U>> : T extends object ? { [K in keyof T]: Exported<T[K]> } : never);

/** What the stack exports per layer, keyed by layer id: a layer missing here is a compile error. */
type LayerExports = { [K in LayerId]: Exported<{ base: BaseExport; services: ServicesExport; mpc: MpcExport }[K]> };

const configs = new Map<string, pulumi.Config>();
const get: ConfigGetter = (key) => {
  const [ns, name] = key.split(":");
  if (!configs.has(ns)) configs.set(ns, new pulumi.Config(ns));
  return configs.get(ns)!.get(name);
};

// every configured key, so that one no section reads (a typo) is reported
const cfg = loadConfig(get, pulumi.getStack(), Object.keys(pulumi.runtime.allConfig()));

const baseComponent = new NearBase("base", { config: cfg });
const servicesComponent = new NearServices("services", { config: cfg, base: baseComponent });
const mpcComponent = new ChainSignatures("mpc", { config: cfg, base: baseComponent, services: servicesComponent });
// Parks every host on a schedule; under Layer 3, the layer that brings the last hosts.
if (cfg.schedule) {
  new ParkSchedule(
    "schedule",
    {
      nameStem: physicalName(cfg, "park"),
      schedule: cfg.schedule,
      instanceIds: [baseComponent.instanceId, ...mpcComponent.nodes.map((n) => n.instanceId)],
      tags: nameTags(cfg, "park-schedule", "mpc"),
    },
    { parent: mpcComponent },
  );
}

const layers: LayerExports = {
  base: {
    instanceId: baseComponent.instanceId,
    privateIp: baseComponent.privateIp,
    rpcUrl: baseComponent.rpcUrl,
    chainId: baseComponent.chainId,
    bootNodes: baseComponent.bootNodes,
    nodePublicKey: baseComponent.nodePublicKey,
    genesis: baseComponent.genesis,
    rootAccountId: baseComponent.rootAccountId,
    rootPublicKey: baseComponent.rootPublicKey,
    rootAccountKeyParameter: baseComponent.rootAccountKeyParameter,
    rootAccountIdParameter: baseComponent.rootAccountIdParameter,
    vpcId: baseComponent.vpcId,
    subnetIds: baseComponent.subnetIds,
    securityGroupId: baseComponent.securityGroupId,
    artifactsBucket: baseComponent.artifactsBucket,
    logGroup: baseComponent.logGroupName,
  },
  services: {
    contracts: servicesComponent.contracts,
    faucetUrl: servicesComponent.faucetUrl,
    faucetAccountId: servicesComponent.faucetAccountId,
    evm: servicesComponent.evm,
  },
  mpc: {
    nodes: mpcComponent.nodes.map((n) => ({
      instanceId: n.instanceId,
      privateIp: n.privateIp,
      address: n.address,
      url: n.url,
      accountId: n.accountId,
      accountPublicKey: n.accountPublicKey,
      p2pPublicKey: n.p2pPublicKey,
    })),
    contractId: mpcComponent.contractId,
    codeHash: mpcComponent.codeHash,
    threshold: mpcComponent.threshold,
    domains: mpcComponent.domains,
    rootKeys: mpcComponent.rootKeys,
    namespace: mpcComponent.namespace,
  },
};

// Stack outputs, one per layer under its id (the driver reads them by the same names).
export const base = layers.base;
export const services = layers.services;
export const mpc = layers.mpc;
// The in-VPC operations channel (owned by Layer 1, used by every layer's gate and by the driver).
export const opsDocument = baseComponent.opsDocument;
export const diagnosticsDocument = baseComponent.diagnosticsDocument;
export const opsBundle = baseComponent.opsBundle;
