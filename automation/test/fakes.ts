// Test doubles for the driver: a recording engine, canned probes and stack outputs.
import {
  EngineError,
  type CancelOptions,
  type Engine,
  type OpOptions,
  type OpResult,
  type PendingOperation,
} from "../engine.js";
import { componentUrn } from "../layers.js";
import { LAYERS } from "../../layers/registry.js";
import type { BaseProbe } from "../../layers/base/gate.js";
import type { ServicesProbe } from "../../layers/services/gate.js";
import type { MpcProbe } from "../../layers/mpc/gate.js";
import type { StackOutputs } from "../../layers/outputs.js";
import type { ProbeOptions } from "../../layers/probe.js";
import type { LogTarget, Out, Probes } from "../probes.js";
import type { OutputValue, StateResource } from "../stack-outputs.js";

const STACK = "localnet";
export const NODE_KEY = "ed25519:7PGseFbWxvYVgZ89K1uTJKYoKetWs7BJtbyXDzfbAcqX";
export const PINNED = {
  "wrap.localnet": "4Yz5ZqvvoG9LvqpfgoZLR5Ge5cb6n3SzkvmQrWYxG3CX",
  "whitelist.localnet": "BZ3MxGkP6Jp7qK6sj6Zb5ZMPDQGXeAaGHuWYmwjVmQ2z",
  "poolv1.localnet": "8rGNbmyaP2dhbcbsnLTUFWAJWDmQ8ZrMqfHH9uPxDafx",
};
export const SIGNER_HASH = "F8NqkFhF97BxjYrweg3hFFhdH57k4qgqoPdLDwP6H9dL";

export const ROOT_KEY_PARAMETER = "/near-localnet/localnet-account-key";
export const BUNDLE = { uri: "s3://near-localnet-localnet-artifacts/ops/abc.mjs", sha256: "a".repeat(64) };

/** Stack outputs exactly as index.ts exports them (Automation API {value, secret} pairs). */
export function rawOutputs(layers: Array<"base" | "services" | "mpc">): Record<string, OutputValue> {
  const o: Record<string, OutputValue> = {
    opsDocument: { value: "near-localnet-localnet-run-op", secret: false },
    diagnosticsDocument: { value: "near-localnet-localnet-diagnostics", secret: false },
    opsBundle: { value: { ...BUNDLE }, secret: false },
  };
  if (layers.includes("base")) {
    o.base = {
      secret: false,
      value: {
        instanceId: "i-0base",
        privateIp: "10.0.1.10",
        rpcUrl: "http://10.0.1.10:3030",
        chainId: "localnet",
        bootNodes: `${NODE_KEY}@10.0.1.10:24567`,
        nodePublicKey: NODE_KEY,
        genesis: {
          bucket: "near-localnet-localnet-artifacts",
          key: "genesis/genesis.json",
          uri: "s3://near-localnet-localnet-artifacts/genesis/genesis.json",
          sha256: "b".repeat(64),
        },
        rootAccountId: "localnet",
        rootPublicKey: "ed25519:6E8sCci9badyRkXb3JoRpBj5p8C6Tw41ELDZoiihKEtp",
        rootAccountKeyParameter: ROOT_KEY_PARAMETER,
        rootAccountIdParameter: "/near-localnet/localnet-account-id",
        vpcId: "vpc-0abc",
        subnetIds: ["subnet-0abc"],
        securityGroupId: "sg-0base",
        artifactsBucket: "near-localnet-localnet-artifacts",
      },
    };
  }
  if (layers.includes("services")) {
    o.services = {
      secret: false,
      value: { contracts: { ...PINNED }, faucetUrl: "http://10.0.1.10:3031", faucetAccountId: "faucet.localnet" },
    };
  }
  if (layers.includes("mpc")) {
    o.mpc = {
      secret: false,
      value: {
        nodes: [0, 1, 2].map((i) => ({
          instanceId: `i-0mpc${i}`,
          privateIp: `10.0.2.${10 + i}`,
          address: `mpc-node-${i}.localnet.near-localnet.internal`,
          url: `http://mpc-node-${i}.localnet.near-localnet.internal:3000`,
          accountId: `mpc-node-${i}.localnet`,
          accountPublicKey: `ed25519:AccountKey${i}`,
          p2pPublicKey: `ed25519:P2pKey${i}`,
        })),
        contractId: "v1.signer.localnet",
        codeHash: SIGNER_HASH,
        threshold: 2,
        domains: [
          { id: 0, scheme: "secp256k1", protocol: "CaitSith", purpose: "Sign" },
          { id: 1, scheme: "ed25519", protocol: "Frost", purpose: "Sign" },
        ],
        rootKeys: [
          { domainId: 0, scheme: "Secp256k1", publicKey: "secp256k1:RootKey0" },
          { domainId: 1, scheme: "Ed25519", publicKey: "ed25519:RootKey1" },
        ],
        namespace: "localnet.near-localnet.internal",
      },
    };
  }
  return o;
}

/** The MPC instances as the state records them after a failed first deploy of Layer 3. */
export function mpcInstancesInState(): StateResource[] {
  return [0, 1, 2].map((i) => ({
    urn: `urn:pulumi:localnet::near-localnet::near-localnet:index:ChainSignatures$near-localnet:index:NodeHost$aws:ec2/instance:Instance::mpc-node-${i}-instance`,
    type: "aws:ec2/instance:Instance",
    outputs: { id: `i-0mpc${i}`, privateIp: `10.0.2.${10 + i}`, instanceType: "t3.large" },
  }));
}

export interface Call {
  op: "up" | "preview" | "refresh" | "destroy";
  targets?: string[];
  excludes?: string[];
  clearPendingCreates?: boolean;
}

/** Layer of a call, from its selection (the exclude form is Layer 1; no selection = the whole stack). */
export function callLayer(c: Call): string {
  if (c.excludes) return "base";
  const t = c.targets?.[0] ?? "";
  return LAYERS.find((l) => t.includes(`::${l.component.type}::`) || t.includes(`::${l.component.type}$`))?.id ?? "all";
}

/** The state of a stack with these layers deployed: the stack, a provider, and per layer its component and one child. */
export function stateOf(layers: Array<"base" | "services" | "mpc">): StateResource[] {
  const list: StateResource[] = [
    {
      urn: `urn:pulumi:${STACK}::near-localnet::pulumi:pulumi:Stack::near-localnet-${STACK}`,
      type: "pulumi:pulumi:Stack",
    },
    { urn: `urn:pulumi:${STACK}::near-localnet::pulumi:providers:aws::default_7_48_0`, type: "pulumi:providers:aws" },
  ];
  for (const l of LAYERS.filter((d) => layers.includes(d.id))) {
    list.push({ urn: componentUrn(STACK, l.id), type: l.component.type });
    list.push({
      urn: `urn:pulumi:${STACK}::near-localnet::${l.component.type}$aws:ec2/instance:Instance::${l.id}-node`,
      type: "aws:ec2/instance:Instance",
    });
  }
  return list;
}

const U = `urn:pulumi:${STACK}::near-localnet::`;
const resource = (chain: string, name: string, parentChain: string, parentName: string) => ({
  urn: `${U}${chain}::${name}`,
  type: chain.split("$").pop()!,
  parent: `${U}${parentChain}::${parentName}`,
});

/** What the fake's `up` reports per layer (engine URNs: every ancestor's type chained), in event order. */
export const FAKE_RESOURCES: Record<string, Array<{ urn: string; type: string; parent: string }>> = {
  base: [
    resource("near-localnet:index:NearBase$aws:ec2/vpc:Vpc", "vpc", "near-localnet:index:NearBase", "base"),
    resource(
      "near-localnet:index:NearBase$near-localnet:index:NodeHost",
      "base",
      "near-localnet:index:NearBase",
      "base",
    ),
    resource(
      "near-localnet:index:NearBase$near-localnet:index:NodeHost$aws:ec2/instance:Instance",
      "base-instance",
      "near-localnet:index:NearBase$near-localnet:index:NodeHost",
      "base",
    ),
    resource(
      "near-localnet:index:NearBase$command:local:Command",
      "genesis-published",
      "near-localnet:index:NearBase",
      "base",
    ),
  ],
  services: [
    resource(
      "near-localnet:index:NearServices$near-localnet:index:SsmOperation$command:local:Command",
      "core-contracts-run",
      "near-localnet:index:NearServices$near-localnet:index:SsmOperation",
      "core-contracts",
    ),
  ],
  mpc: [
    resource(
      "near-localnet:index:ChainSignatures$near-localnet:index:NodeHost$aws:ec2/instance:Instance",
      "mpc-node-0-instance",
      "near-localnet:index:ChainSignatures$near-localnet:index:NodeHost",
      "mpc-node-0",
    ),
    resource(
      "near-localnet:index:ChainSignatures$near-localnet:index:SsmOperation$command:local:Command",
      "keygen-run",
      "near-localnet:index:ChainSignatures$near-localnet:index:SsmOperation",
      "keygen",
    ),
  ],
};

export class FakeEngine implements Engine {
  readonly stack = STACK;
  calls: Call[] = [];
  deployed: Array<"base" | "services" | "mpc"> = [];
  /** Errors to throw from `up` per layer (once each). */
  failUp: Partial<Record<string, Error>> = {};
  failRefresh: Partial<Record<string, Error>> = {};
  failDestroy: Partial<Record<string, Error>> = {};
  outputsError?: Error;
  /** Set to fix what resources() returns; by default the state follows `deployed` (stateOf). */
  explicitState?: StateResource[];
  /** What pendingOperations() returns. */
  pending: PendingOperation[] = [];
  /** What preview() counts per layer (default {same: 1}: no changes). */
  previewChanges: Partial<Record<string, Record<string, number>>> = {};
  /** The stack config (plain values). */
  configValues: Record<string, string> = { "aws:region": "us-east-1" };
  /** Options of every cancel() call. */
  cancels: CancelOptions[] = [];

  get stateResources(): StateResource[] {
    return this.explicitState ?? stateOf(this.deployed);
  }
  set stateResources(list: StateResource[]) {
    this.explicitState = list;
  }
  get cancelled(): number {
    return this.cancels.length;
  }

  constructor(deployed: Array<"base" | "services" | "mpc"> = []) {
    this.deployed = [...deployed];
  }

  private record(op: Call["op"], o: OpOptions): string {
    const call: Call = { op };
    if (o.targets) call.targets = o.targets;
    if (o.excludes) call.excludes = o.excludes;
    if (o.clearPendingCreates) call.clearPendingCreates = true;
    this.calls.push(call);
    return callLayer(call);
  }

  async up(o: OpOptions): Promise<OpResult> {
    const l = this.record("up", o);
    const err = this.failUp[l];
    for (const [i, r] of (FAKE_RESOURCES[l] ?? []).entries()) {
      const event = { op: "create", urn: r.urn, type: r.type, name: r.urn.split("::").pop()!, parent: r.parent };
      o.onProgress?.({ ...event, status: "started" });
      // A failing up fails at its last resource: the ones before it were created.
      if (err && i === (FAKE_RESOURCES[l]?.length ?? 0) - 1) {
        o.onProgress?.({ ...event, status: "failed" });
        break;
      }
      o.onProgress?.({ ...event, status: "done" });
    }
    if (err) {
      delete this.failUp[l];
      throw err;
    }
    if (!this.deployed.includes(l as never)) this.deployed.push(l as never);
    return { changes: { create: FAKE_RESOURCES[l]?.length ?? 1 } };
  }
  async preview(o: OpOptions): Promise<OpResult> {
    const l = this.record("preview", o);
    if (l !== "all" || this.previewChanges.all) return { changes: this.previewChanges[l] ?? { same: 1 } };
    // The whole stack: each layer's changes as step events on one of its resources, and the totals.
    const total: Record<string, number> = { same: 1 };
    for (const [layer, counts] of Object.entries(this.previewChanges)) {
      for (const [op, n] of Object.entries(counts ?? {})) {
        total[op] = (total[op] ?? 0) + n;
        const r = FAKE_RESOURCES[layer][0];
        for (let i = 0; i < n; i++)
          o.onProgress?.({
            op,
            urn: r.urn,
            type: r.type,
            name: r.urn.split("::").pop()!,
            parent: r.parent,
            status: "started",
          });
      }
    }
    return { changes: total };
  }
  async refresh(o: OpOptions): Promise<OpResult> {
    const l = this.record("refresh", o);
    const err = this.failRefresh[l];
    if (err) throw err;
    return { changes: { same: 1 } };
  }
  async destroy(o: OpOptions): Promise<OpResult> {
    const l = this.record("destroy", o);
    const err = this.failDestroy[l];
    if (err) throw err;
    this.deployed = l === "all" ? [] : this.deployed.filter((d) => d !== l);
    return { changes: { delete: 1 } };
  }
  async outputs(): Promise<Record<string, OutputValue>> {
    if (this.outputsError) throw this.outputsError;
    return rawOutputs(this.deployed);
  }
  async resources(): Promise<StateResource[]> {
    return this.stateResources;
  }
  async pendingOperations(): Promise<PendingOperation[]> {
    return this.pending;
  }
  async config(): Promise<Record<string, string>> {
    return { ...this.configValues };
  }
  async setConfig(key: string, value: string): Promise<void> {
    this.configValues[key] = value;
  }
  cancel(o: CancelOptions = {}): void {
    this.cancels.push(o);
  }
}

export function healthyBase(): BaseProbe {
  return {
    rpcReachable: true,
    chainId: "localnet",
    blockHeight: 1200,
    blocksAdvancing: true,
    rootAccountExists: true,
    nodePublicKey: NODE_KEY,
    container: { name: "neard", running: true, restartCount: 0, status: "running" },
  };
}

export function healthyServices(): ServicesProbe {
  return {
    contracts: Object.entries(PINNED).map(([accountId, h]) => ({ accountId, expectedCodeHash: h, actualCodeHash: h })),
    faucet: { ok: true },
  };
}

export function healthyMpc(): MpcProbe {
  return {
    contract: {
      reachable: true,
      state: "Running",
      codeHash: SIGNER_HASH,
      threshold: 2,
      participants: ["mpc-node-0.localnet", "mpc-node-1.localnet", "mpc-node-2.localnet"],
      keysetDomains: [0, 1],
    },
    nodes: [0, 1, 2].map((i) => ({
      accountId: `mpc-node-${i}.localnet`,
      instanceId: `i-0mpc${i}`,
      privateIp: `10.0.2.${10 + i}`,
      reachable: true,
      live: true,
      indexerHeight: 1195,
      peers: 2,
      bootstrap: { state: "done" as const, lines: [`2026-11-24T09:00:00Z mpc-bootstrap: done: node ${i}`] },
      container: { name: "mpc-node", running: true, restartCount: 0, status: "running" },
      secrets: [
        { name: "mpc-node-" + i + "-mpc_account_sk", status: "ok" as const },
        { name: "mpc-node-" + i + "-mpc_secret_store_key", status: "ok" as const },
      ],
      bootNodes: [`${NODE_KEY}@10.0.1.10:24567`],
    })),
    lastSignTest: {
      state: "passed",
      at: "2026-11-24T09:30:00Z",
      summary: "2/2 requests verified, 2/2 derived keys match",
      requests: [
        {
          domainId: 0,
          scheme: "Secp256k1",
          verdict: "verified",
          latencyMs: 4100,
          detail: "Secp256k1 signature verifies",
        },
        { domainId: 1, scheme: "Ed25519", verdict: "verified", latencyMs: 3900, detail: "Ed25519 signature verifies" },
      ],
    },
  };
}

export class FakeProbes implements Probes {
  calls: string[] = [];
  baseResult: BaseProbe = healthyBase();
  servicesResult: ServicesProbe = healthyServices();
  mpcResult: MpcProbe = healthyMpc();
  mpcError?: Error;
  logLines: string[] = ["line 1", "line 2"];
  async base(_o: StackOutputs): Promise<BaseProbe> {
    this.calls.push("base");
    return this.baseResult;
  }
  async services(_o: StackOutputs): Promise<ServicesProbe> {
    this.calls.push("services");
    return this.servicesResult;
  }
  async mpc(_o: StackOutputs, options?: ProbeOptions): Promise<MpcProbe> {
    this.calls.push(options?.logLines ? `mpc logs=${options.logLines}` : "mpc");
    if (this.mpcError) throw this.mpcError;
    return this.mpcResult;
  }
  async logs(t: LogTarget, lines: number): Promise<string[]> {
    this.calls.push(`logs ${t.instanceId} ${t.container} ${lines}`);
    return this.logLines;
  }
  /** What each host's image-pins probe prints (none: nothing pinned). */
  pinLines: Record<string, string[]> = {};
  async imagePins(instanceId: string): Promise<string[]> {
    this.calls.push(`image-pins ${instanceId}`);
    return this.pinLines[instanceId] ?? [];
  }
}

export class MemoryOut implements Out {
  out: string[] = [];
  err: string[] = [];
  stdout(line: string): void {
    this.out.push(line);
  }
  stderr(line: string): void {
    this.err.push(line);
  }
}

/** What the Automation API throws when the file backend's lock is held (errors.js). */
export function lockedError(): Error {
  const e = new Error(
    "code: 255\n stdout: \n stderr: error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.",
  );
  e.name = "ConcurrentUpdateError";
  return e;
}

export { EngineError };
