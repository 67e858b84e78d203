import { describe, expect, it } from "@jest/globals";
import { UNKNOWN_OUTPUT, maskedOutputs, parseStackOutputs } from "../stack-outputs.js";
import { splitBootNodes } from "../../layers/base/outputs.js";
import { BUNDLE, NODE_KEY, ROOT_KEY_PARAMETER, SIGNER_HASH, rawOutputs } from "./fakes.js";

describe("stack outputs as index.ts exports them", () => {
  it("reads every layer's outputs into the typed view", () => {
    const o = parseStackOutputs(rawOutputs(["base", "services", "mpc"]));
    expect(o.problems).toEqual([]);
    expect(o.base).toEqual({
      instanceId: "i-0base",
      privateIp: "10.0.1.10",
      rpcUrl: "http://10.0.1.10:3030",
      chainId: "localnet",
      rootAccountId: "localnet",
      bootNodes: [`${NODE_KEY}@10.0.1.10:24567`],
      nodePublicKey: NODE_KEY,
      rootPublicKey: "ed25519:6E8sCci9badyRkXb3JoRpBj5p8C6Tw41ELDZoiihKEtp",
      rootAccountKeyParameter: ROOT_KEY_PARAMETER,
      artifactsBucket: "near-localnet-localnet-artifacts",
      genesis: {
        bucket: "near-localnet-localnet-artifacts",
        key: "genesis/genesis.json",
        uri: "s3://near-localnet-localnet-artifacts/genesis/genesis.json",
        sha256: "b".repeat(64),
      },
    });
    expect(o.services?.faucetUrl).toBe("http://10.0.1.10:3031");
    expect(o.services?.faucetAccountId).toBe("faucet.localnet");
    expect(o.mpc?.nodes[1]).toEqual({
      instanceId: "i-0mpc1",
      privateIp: "10.0.2.11",
      address: "mpc-node-1.localnet.near-localnet.internal",
      url: "http://mpc-node-1.localnet.near-localnet.internal:3000",
      accountId: "mpc-node-1.localnet",
      accountPublicKey: "ed25519:AccountKey1",
      p2pPublicKey: "ed25519:P2pKey1",
    });
    expect(o.mpc?.codeHash).toBe(SIGNER_HASH);
    expect(o.mpc?.domains.map((d) => [d.id, d.scheme, d.protocol, d.purpose])).toEqual([
      [0, "secp256k1", "CaitSith", "Sign"],
      [1, "ed25519", "Frost", "Sign"],
    ]);
    expect(o.mpc?.rootKeys).toEqual([
      { domainId: 0, scheme: "Secp256k1", publicKey: "secp256k1:RootKey0" },
      { domainId: 1, scheme: "Ed25519", publicKey: "ed25519:RootKey1" },
    ]);
    expect(o.mpc?.namespace).toBe("localnet.near-localnet.internal");
    expect(o.opsBundle).toEqual(BUNDLE);
    expect(o.opsDocument).toBe("near-localnet-localnet-run-op");
    expect(o.diagnosticsDocument).toBe("near-localnet-localnet-diagnostics");
  });

  it("splits neard's comma-separated boot node string", () => {
    expect(splitBootNodes("ed25519:A@10.0.0.1:24567, ed25519:B@10.0.0.2:24567,")).toEqual([
      "ed25519:A@10.0.0.1:24567",
      "ed25519:B@10.0.0.2:24567",
    ]);
    expect(splitBootNodes("")).toEqual([]);
  });

  it("names what it cannot read instead of guessing", () => {
    const raw = rawOutputs(["base", "services", "mpc"]);
    const base = raw.base.value as Record<string, unknown>;
    delete base.bootNodes;
    const mpc = raw.mpc.value as Record<string, unknown>;
    mpc.domains = [{ protocol: "Frost" }];
    mpc.rootKeys = [{ domainId: 0 }];
    delete mpc.contractId;
    (raw.services.value as Record<string, unknown>).contracts = { "wrap.localnet": 42 };
    raw.opsBundle = { value: { bucket: "b", key: "k" }, secret: false };
    const o = parseStackOutputs(raw);
    expect(o.problems).toEqual([
      "opsBundle needs uri and sha256",
      "base.bootNodes is missing or not a string",
      'services.contracts["wrap.localnet"] is not a code hash string',
      "mpc.domains[0] has no numeric id",
      "mpc.rootKeys[0] needs a numeric domainId and a publicKey",
      "mpc.contractId is missing or not a string",
    ]);
    expect(o.opsBundle).toBeUndefined();
  });

  it("unknown-value placeholders count as missing: a layer saved with them reads as not deployed", () => {
    // what a targeted up of Layer 1 saves for the outputs of Layers 2 and 3 it skipped
    const raw = rawOutputs(["base"]);
    raw.services = { value: { contracts: UNKNOWN_OUTPUT, faucetUrl: UNKNOWN_OUTPUT }, secret: false };
    raw.mpc = {
      value: {
        nodes: [
          {
            instanceId: UNKNOWN_OUTPUT,
            privateIp: UNKNOWN_OUTPUT,
            accountId: "mpc-node-0.localnet",
            p2pPublicKey: UNKNOWN_OUTPUT,
          },
        ],
        contractId: UNKNOWN_OUTPUT,
      },
      secret: false,
    };
    raw.opsDocument = { value: UNKNOWN_OUTPUT, secret: false };
    const o = parseStackOutputs(raw);
    expect(o.base?.instanceId).toBe("i-0base");
    expect(o.services).toEqual({ contracts: {}, faucetUrl: undefined, faucetAccountId: undefined });
    expect(o.mpc?.nodes).toEqual([]);
    expect(o.mpc?.contractId).toBe("");
    expect(o.opsDocument).toBeUndefined();
    expect(o.problems).toEqual(["mpc.nodes[0].instanceId is missing", "mpc.contractId is missing or not a string"]);
    // the whole output unknown
    expect(
      parseStackOutputs({ ...rawOutputs(["base"]), mpc: { value: UNKNOWN_OUTPUT, secret: false } }).mpc,
    ).toBeUndefined();
  });

  it("an instance id must look like one (i-...)", () => {
    const raw = rawOutputs(["base", "services", "mpc"]);
    (raw.base.value as Record<string, unknown>).instanceId = "base-instance";
    (raw.mpc.value as { nodes: Array<Record<string, unknown>> }).nodes[2].instanceId = "";
    const o = parseStackOutputs(raw);
    expect(o.base).toBeUndefined();
    expect(o.mpc?.nodes.map((n) => n.instanceId)).toEqual(["i-0mpc0", "i-0mpc1"]);
    expect(o.problems).toEqual([
      'base.instanceId is not an EC2 instance id ("base-instance")',
      "mpc.nodes[2].instanceId is missing",
    ]);
  });

  it("masks secret outputs for display", () => {
    expect(maskedOutputs({ a: { value: "x", secret: false }, b: { value: "ed25519:zzz", secret: true } })).toEqual({
      a: "x",
      b: "[secret]",
    });
  });
});

describe("Layer 3 from the state", () => {
  it("finds the MPC instances of ChainSignatures, in node order, with the derived account and contract ids", async () => {
    const { mpcFromState } = await import("../../layers/mpc/outputs.js");
    const { mpcInstancesInState } = await import("./fakes.js");
    const resources = [
      {
        urn: "urn:pulumi:localnet::near-localnet::near-localnet:index:NearBase$near-localnet:index:NodeHost$aws:ec2/instance:Instance::base-instance",
        type: "aws:ec2/instance:Instance",
        outputs: { id: "i-0base" },
      },
      ...mpcInstancesInState().reverse(),
      {
        urn: "urn:pulumi:localnet::near-localnet::near-localnet:index:ChainSignatures$near-localnet:index:NodeHost$aws:ebs/volume:Volume::mpc-node-0-data",
        type: "aws:ebs/volume:Volume",
        outputs: { id: "vol-1" },
      },
    ];
    expect(mpcFromState(resources, "localnet")).toEqual({
      nodes: [0, 1, 2].map((i) => ({
        instanceId: `i-0mpc${i}`,
        privateIp: `10.0.2.${10 + i}`,
        accountId: `mpc-node-${i}.localnet`,
        p2pPublicKey: "",
      })),
      contractId: "v1.signer.localnet",
      domains: [],
      threshold: 0,
      rootKeys: [],
    });
    expect(mpcFromState(resources.slice(0, 1), "localnet")).toBeUndefined();
  });
});
