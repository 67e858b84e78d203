/**
 * signer-contract-model: a JS stand-in for the MPC signer contract (near/mpc 3.14.x) in the
 * `Running` state, for fake-nearcore. It holds KNOWN root private keys per domain, so `sign`
 * answers with real signatures made by lib/chainsig/testkit exactly as the contract formats
 * them, and tests can check them against keys derived independently.
 *
 *   const model = new SignerContractModel({ domains: [
 *     { id: 0, scheme: "Secp256k1", rootPrivateKey: <32 bytes BE> },
 *     { id: 1, scheme: "Ed25519",   rootPrivateKey: <32 bytes LE scalar> } ] });
 *   model.install(chain, "v1.signer.localnet");   // account with code + behaviour
 *
 * Views: `public_key {domain_id?}`, `derived_public_key {path, predecessor, domain_id?}`,
 *   `latest_key_version`, `version`, `state` (Running, in the 3.14.1 serde shape that
 *   ops/mpc/state.ts parses; the participants are placeholders unless given).
 * Call: `sign {request: {path, domain_id, payload_v2: {Ecdsa|Eddsa: hex}}}`, payable: it checks
 *   the argument shape and the deposit, records the request, and answers per domain mode:
 *     "respond"     the signature of the derived child key (the default)
 *     "timeout"     fails as the contract does when no node answers: a FunctionCallError panic
 *                   "Request has timed out." (the contract's fail_on_timeout)
 *     "wrong-key"   a well-formed signature by another key (does not verify)
 *     (req) => value | throw   anything else (e.g. a malformed response)
 *   Knobs: model.mode(domainId, mode); model.derivedKeyOverride.set(domainId, "secp256k1:...")
 *   makes the `derived_public_key` view lie (to test a local/contract mismatch).
 *   model.requests lists every accepted `sign` call.
 * Panic texts of the real contract are quoted where known (timeout); the others (bad args,
 * deposit, unknown domain) are descriptive stand-ins, not the contract's exact words.
 */
import {
  deriveKey,
  formatPublicKey,

  toSignResponseJson,
  type ChainSigPublicKey,
  type Curve,
} from "../../lib/chainsig/index.js";
import { deriveChildPrivateKey, publicKeyFromPrivate, signLikeContract } from "../../lib/chainsig/testkit.js";
import { ContractPanic, type ContractBehaviour, type ContractContext, type FakeNearcore } from "./fake-nearcore.js";

export type ModelScheme = "Secp256k1" | "Ed25519";

export interface ModelDomain {
  id: number;
  scheme: ModelScheme;
  /** secp256k1: 32 bytes big-endian; ed25519: 32-byte little-endian scalar (testkit conventions). */
  rootPrivateKey: Uint8Array;
}

export interface SignRequestRecord {
  predecessorId: string;
  signerId: string;
  attachedDeposit: bigint;
  path: string;
  domainId: number;
  payloadKind: "Ecdsa" | "Eddsa";
  payload: Uint8Array;
  /** The call's arguments exactly as received. */
  args: unknown;
}

export type SignMode = "respond" | "timeout" | "wrong-key" | ((req: SignRequestRecord) => unknown);

export const SIGN_TIMEOUT_MESSAGE = "Request has timed out.";
/** Code bytes for the contract account (their hash identifies the behaviour). */
export const SIGNER_MODEL_CODE = new TextEncoder().encode("signer-contract-model 3.14.1");

const CURVE: Record<ModelScheme, Curve> = { Secp256k1: "secp256k1", Ed25519: "ed25519" };
const KIND: Record<ModelScheme, "Ecdsa" | "Eddsa"> = { Secp256k1: "Ecdsa", Ed25519: "Eddsa" };

/** A deterministic test private key for a curve (never use outside tests). */
export function testPrivateKey(curve: Curve, seed: number): Uint8Array {
  const out = new Uint8Array(32);
  out.fill(0x11);
  out[curve === "secp256k1" ? 31 : 0] = seed & 0xff;
  out[curve === "secp256k1" ? 0 : 31] = 0x01; // well below both group orders
  return out;
}

export interface SignerContractModelOptions {
  domains: ModelDomain[];
  threshold?: number;
  /** [accountId, url, tlsPublicKey] per participant; placeholders by default. */
  participants?: Array<{ accountId: string; url: string; tlsPublicKey: string }>;
}

export class SignerContractModel {
  readonly domains: ModelDomain[];
  readonly requests: SignRequestRecord[] = [];
  readonly derivedKeyOverride = new Map<number, string>();
  private readonly modes = new Map<number, SignMode>();
  private readonly threshold: number;
  private readonly participants: Array<{ accountId: string; url: string; tlsPublicKey: string }>;

  constructor(opts: SignerContractModelOptions) {
    this.domains = opts.domains.map((d) => ({ ...d, rootPrivateKey: Uint8Array.from(d.rootPrivateKey) }));
    this.threshold = opts.threshold ?? 2;
    this.participants =
      opts.participants ??
      [0, 1, 2].map((i) => ({
        accountId: `mpc-node-${i}.localnet`,
        url: `http://10.0.1.${10 + i}:3000`,
        tlsPublicKey: formatPublicKey(publicKeyFromPrivate("ed25519", testPrivateKey("ed25519", 100 + i))),
      }));
  }

  /** Two domains (0 ECDSA, 1 EdDSA) with fixed test keys. */
  static withDefaultDomains(): SignerContractModel {
    return new SignerContractModel({
      domains: [
        { id: 0, scheme: "Secp256k1", rootPrivateKey: testPrivateKey("secp256k1", 7) },
        { id: 1, scheme: "Ed25519", rootPrivateKey: testPrivateKey("ed25519", 9) },
      ],
    });
  }

  mode(domainId: number, mode: SignMode): this {
    this.domain(domainId);
    this.modes.set(domainId, mode);
    return this;
  }

  domain(domainId: number): ModelDomain {
    const d = this.domains.find((x) => x.id === domainId);
    if (!d) throw new ContractPanic(`Domain ${domainId} does not exist`);
    return d;
  }

  rootPublicKey(domainId: number): ChainSigPublicKey {
    const d = this.domain(domainId);
    return publicKeyFromPrivate(CURVE[d.scheme], d.rootPrivateKey);
  }

  /** The key the contract derives for (predecessor, path): root + tweak, computed from the private side. */
  derivedPublicKey(domainId: number, predecessor: string, path: string): ChainSigPublicKey {
    const d = this.domain(domainId);
    return publicKeyFromPrivate(CURVE[d.scheme], deriveChildPrivateKey(CURVE[d.scheme], d.rootPrivateKey, predecessor, path));
  }

  /** Creates the contract account on the chain and registers this behaviour for it. */
  install(chain: FakeNearcore, contractId: string, amount = 60n * 10n ** 24n): void {
    chain.addAccount(contractId, { amount, code: SIGNER_MODEL_CODE });
    chain.registerContract(contractId, this.behaviour());
  }

  behaviour(): ContractBehaviour {
    const domainArg = (ctx: ContractContext): number => {
      const v = ctx.args?.domain_id;
      if (v === undefined || v === null) return this.domains[0]?.id ?? 0;
      if (typeof v !== "number" || !Number.isInteger(v) || v < 0) throw new ContractPanic(`Failed to deserialize input: domain_id ${JSON.stringify(v)}`);
      return v;
    };
    return {
      view: {
        public_key: (ctx) => formatPublicKey(this.rootPublicKey(domainArg(ctx))),
        derived_public_key: (ctx) => {
          const { path, predecessor } = ctx.args ?? {};
          if (typeof path !== "string") throw new ContractPanic("Failed to deserialize input: path");
          const id = domainArg(ctx);
          const override = this.derivedKeyOverride.get(id);
          if (override !== undefined) return override;
          const pred = typeof predecessor === "string" ? predecessor : ctx.predecessorId;
          const key = this.derivedPublicKey(id, pred, path);
          // the model must agree with the library's public derivation; a disagreement is a bug in one of them
          const check = deriveKey(this.rootPublicKey(id), pred, path);
          if (formatPublicKey(check) !== formatPublicKey(key)) throw new Error("signer-contract-model: private and public derivation disagree");
          return formatPublicKey(key);
        },
        latest_key_version: () => 0,
        version: () => "3.14.1",
        state: () => this.state(),
      },
      call: {
        sign: (ctx) => this.sign(ctx),
      },
    };
  }

  /** The `state` view: Running, serde's externally tagged shape (see ops/mpc/state.ts). */
  state(): unknown {
    const domainConfigs = this.domains.map((d) => ({
      id: d.id,
      protocol: d.scheme === "Secp256k1" ? "CaitSith" : "Frost",
      reconstruction_threshold: this.threshold,
      purpose: "Sign",
    }));
    return {
      Running: {
        domains: { domains: domainConfigs, next_domain_id: Math.max(-1, ...this.domains.map((d) => d.id)) + 1 },
        keyset: {
          epoch_id: 0,
          domains: this.domains.map((d) => {
            const pk = formatPublicKey(this.rootPublicKey(d.id));
            return {
              domain_id: d.id,
              attempt: 0,
              key:
                d.scheme === "Secp256k1"
                  ? { Secp256k1: { near_public_key: pk } }
                  : { Ed25519: { near_public_key_compressed: pk, edwards_point: Array.from(this.rootPublicKey(d.id).bytes) } },
            };
          }),
        },
        parameters: {
          participants: {
            next_id: this.participants.length,
            participants: this.participants.map((p, i) => [p.accountId, i, { url: p.url, tls_public_key: p.tlsPublicKey }]),
          },
          threshold: this.threshold,
        },
        parameters_votes: { proposal_by_account: {} },
        add_domains_votes: { proposal_by_account: {} },
        previously_cancelled_resharing_epoch_id: null,
      },
    };
  }

  private sign(ctx: ContractContext): unknown {
    if (ctx.attachedDeposit < 1n) throw new ContractPanic("sign requires an attached deposit of at least 1 yoctoNEAR");
    const request = ctx.args?.request;
    if (!request || typeof request !== "object") throw new ContractPanic("Failed to deserialize input: missing field `request`");
    const { path, domain_id, payload_v2 } = request as Record<string, unknown>;
    if (typeof path !== "string") throw new ContractPanic("Failed to deserialize input: request.path");
    if (typeof domain_id !== "number") throw new ContractPanic("Failed to deserialize input: request.domain_id");
    const d = this.domain(domain_id);
    if (!payload_v2 || typeof payload_v2 !== "object" || Object.keys(payload_v2).length !== 1) {
      throw new ContractPanic("Failed to deserialize input: request.payload_v2");
    }
    const [kind, hex] = Object.entries(payload_v2 as Record<string, unknown>)[0];
    if (kind !== KIND[d.scheme]) throw new ContractPanic(`payload_v2 ${kind} does not fit domain ${d.id} (${d.scheme})`);
    if (typeof hex !== "string" || !/^([0-9a-fA-F]{2})+$/.test(hex)) throw new ContractPanic("Failed to deserialize input: payload is not hex");
    const payload = Uint8Array.from(Buffer.from(hex, "hex"));
    const record: SignRequestRecord = {
      predecessorId: ctx.predecessorId,
      signerId: ctx.signerId,
      attachedDeposit: ctx.attachedDeposit,
      path,
      domainId: d.id,
      payloadKind: kind,
      payload,
      args: structuredClone(ctx.args),
    };
    this.requests.push(record);

    const mode = this.modes.get(d.id) ?? "respond";
    if (typeof mode === "function") return mode(record);
    if (mode === "timeout") throw new ContractPanic(SIGN_TIMEOUT_MESSAGE);
    const curve = CURVE[d.scheme];
    const priv =
      mode === "wrong-key"
        ? testPrivateKey(curve, 200)
        : deriveChildPrivateKey(curve, d.rootPrivateKey, ctx.predecessorId, path);
    return toSignResponseJson(signLikeContract(curve, priv, payload));
  }
}
