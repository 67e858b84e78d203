/**
 * signer-contract-model: ONE JS stand-in for the MPC signer contract (near/mpc 3.14.1) for
 * fake-nearcore, through its whole life cycle:
 *
 *   NotInitialized --init--> Running (no domains) --vote_add_domains (every participant)-->
 *   Initializing (keygen, driven by the test as the nodes would) --> Running with a keyset --> sign
 *
 * The protocol state lives in the contract account's storage under "STATE" (as near-sdk keeps it),
 * in the 3.14.1 serde shapes of near-mpc-contract-interface that layers/mpc/ops/state.ts parses. Every key
 * the model hands out has a KNOWN private key (platform/chainsig/testkit conventions), so `sign` answers
 * with real signatures made exactly as the contract formats them, and tests can check them against
 * keys derived independently.
 *
 * Two ways to put it on a chain:
 *   // the set-up deploys a stand-in wasm: the behaviour is registered for that code hash
 *   const model = new SignerContractModel();
 *   chain.registerContract(codeHashOf(wasm.bytes), model.behaviour());
 *   model.attach(chain, "v1.signer.localnet");          // NotInitialized until `init`
 *
 *   // a contract that already runs with keys (domains 0 ECDSA, 1 EdDSA, fixed test keys)
 *   const model = SignerContractModel.withDefaultDomains();
 *   model.install(chain, "v1.signer.localnet");         // account + code + behaviour + Running state
 *
 * Contract methods
 *   views: `state` (the protocol state; "Calling default not allowed." before init, as the real
 *     contract's Default impl panics), `public_key {domain_id?}`, `derived_public_key {path,
 *     predecessor, domain_id?}`, `latest_key_version`, `version`.
 *   calls: `init {parameters}` (GovernanceThresholdParameters validation), `vote_add_domains
 *     {domains}` (3.10+ shape; keygen starts once every participant voted the same list),
 *   `sign {request: {path, domain_id, payload_v2: {Ecdsa|Eddsa: hex}}}`, payable, in a state with a
 *     keyset: it checks the argument shape and the deposit, records the request, and answers per
 *     domain mode:
 *       "respond"     the signature of the derived child key (the default)
 *       "timeout"     fails as the contract does when no node answers: a FunctionCallError panic
 *                     "Request has timed out." (the contract's fail_on_timeout)
 *       "wrong-key"   a well-formed signature by another key (does not verify)
 *       (req) => value | throw   anything else (e.g. a malformed response)
 *
 * Test knobs
 *   keygen as the nodes would drive it: startAttempt(), complete(accountId), finishKeygen(),
 *     voteAll(domains) (every participant's vote at once); beforeStateView runs before each
 *     `state` view (walks the phases while a client polls).
 *   model.mode(domainId, mode); model.derivedKeyOverride.set(domainId, "secp256k1:...") makes the
 *     `derived_public_key` view lie (to test a local/contract mismatch).
 *   model.requests (every accepted `sign`), model.calls (init / vote_add_domains counters),
 *   model.protocolState (live, settable), model.phase, model.publicKeyOf(domainId).
 * Panic texts of the real contract are quoted where known (timeout, default, already initialised,
 * thresholds); the others (bad args, deposit, unknown domain) are descriptive stand-ins.
 */
import {
  deriveKey,
  formatPublicKey,
  toSignResponseJson,
  type ChainSigPublicKey,
  type Curve,
} from "../../platform/chainsig/index.js";
import { deriveChildPrivateKey, publicKeyFromPrivate, signLikeContract } from "../../platform/chainsig/testkit.js";
import { ContractPanic, type ContractBehaviour, type ContractContext, type FakeNearcore } from "./fake-nearcore.js";

type Json = any;

type ModelScheme = "Secp256k1" | "Ed25519";

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

export interface ModelCounters {
  init: number;
  vote_add_domains: number;
}

export interface ModelParticipant {
  accountId: string;
  url: string;
  tlsPublicKey: string;
}

export interface SignerContractModelOptions {
  /** Start Running with a keyset for these domains (written by attach/install); none: NotInitialized. */
  domains?: ModelDomain[];
  /** Governance threshold (and reconstruction threshold of the preset domains); default 2. */
  threshold?: number;
  /** The preset state's participants; placeholders mpc-node-{0,1,2}.localnet by default. */
  participants?: ModelParticipant[];
}

export const SIGN_TIMEOUT_MESSAGE = "Request has timed out.";
/** Code bytes for the contract account of install() (their hash identifies the behaviour). */
const SIGNER_MODEL_CODE = new TextEncoder().encode("signer-contract-model 3.14.1");

const CURVE: Record<ModelScheme, Curve> = { Secp256k1: "secp256k1", Ed25519: "ed25519" };
const KIND: Record<ModelScheme, "Ecdsa" | "Eddsa"> = { Secp256k1: "Ecdsa", Ed25519: "Eddsa" };
/** Purpose -> the protocols the contract accepts for it. */
const PAIRS: Record<string, string[]> = {
  Sign: ["CaitSith", "DamgardEtAl", "Frost"],
  ForeignTx: ["CaitSith"],
  CKD: ["ConfidentialKeyDerivation"],
};
/** Protocol -> the signature scheme of its keys (CKD keys are BLS: the model cannot sign with them). */
const SCHEME_OF: Record<string, ModelScheme | undefined> = {
  CaitSith: "Secp256k1",
  DamgardEtAl: "Secp256k1",
  Frost: "Ed25519",
};

/** A deterministic test private key for a curve (never use outside tests). */
export function testPrivateKey(curve: Curve, seed: number): Uint8Array {
  const out = new Uint8Array(32);
  out.fill(0x11);
  out[curve === "secp256k1" ? 31 : 0] = seed & 0xff;
  out[curve === "secp256k1" ? 0 : 31] = 0x01; // well below both group orders
  return out;
}

/** The root private key keygen produces for a domain: fixed per domain id (7, 9, 11, ...). */
function keygenPrivateKey(scheme: ModelScheme, domainId: number): Uint8Array {
  return testPrivateKey(CURVE[scheme], 7 + 2 * domainId);
}

function protocolOf(scheme: ModelScheme): string {
  return scheme === "Secp256k1" ? "CaitSith" : "Frost";
}

export class SignerContractModel {
  readonly requests: SignRequestRecord[] = [];
  readonly derivedKeyOverride = new Map<number, string>();
  readonly calls: ModelCounters = { init: 0, vote_add_domains: 0 };
  /** Run (with the live state) before every `state` view: lets a test walk the phases while a client polls. */
  beforeStateView?: (model: SignerContractModel) => void;
  private readonly modes = new Map<number, SignMode>();
  /** The private side of every key the model handed out, by domain id. */
  private readonly rootKeys = new Map<number, ModelDomain>();
  private readonly preset?: { domains: ModelDomain[]; threshold: number; participants: ModelParticipant[] };
  private chain?: FakeNearcore;
  private contractId?: string;
  private blsCounter = 0;

  constructor(opts: SignerContractModelOptions = {}) {
    if (opts.domains) {
      const domains = opts.domains.map((d) => ({ ...d, rootPrivateKey: Uint8Array.from(d.rootPrivateKey) }));
      for (const d of domains) this.rootKeys.set(d.id, d);
      this.preset = {
        domains,
        threshold: opts.threshold ?? 2,
        participants:
          opts.participants ??
          [0, 1, 2].map((i) => ({
            accountId: `mpc-node-${i}.localnet`,
            url: `http://10.0.1.${10 + i}:3000`,
            tlsPublicKey: formatPublicKey(publicKeyFromPrivate("ed25519", testPrivateKey("ed25519", 100 + i))),
          })),
      };
    }
  }

  /** Running with two domains (0 ECDSA, 1 EdDSA) and fixed test keys (the same keygen would give them). */
  static withDefaultDomains(): SignerContractModel {
    return new SignerContractModel({
      domains: [
        { id: 0, scheme: "Secp256k1", rootPrivateKey: keygenPrivateKey("Secp256k1", 0) },
        { id: 1, scheme: "Ed25519", rootPrivateKey: keygenPrivateKey("Ed25519", 1) },
      ],
    });
  }

  // ------------------------------------------------------------------ placing it on a chain
  /** Binds the model to the contract account's live storage; writes the preset state, if any, when none is there. */
  attach(chain: FakeNearcore, contractId: string): this {
    this.chain = chain;
    this.contractId = contractId;
    if (this.preset && !this.live().has("STATE")) this.live().set("STATE", { protocol_state: this.presetState() });
    return this;
  }

  /** Creates the contract account on the chain (code + 60 NEAR), registers this behaviour for it and attaches. */
  install(chain: FakeNearcore, contractId: string, amount = 60n * 10n ** 24n): this {
    chain.addAccount(contractId, { amount, code: SIGNER_MODEL_CODE });
    chain.registerContract(contractId, this.behaviour());
    return this.attach(chain, contractId);
  }

  // ------------------------------------------------------------------ live state
  /** The live protocol state (undefined before init). */
  get protocolState(): Json | undefined {
    return (this.live().get("STATE") as Json | undefined)?.protocol_state;
  }
  set protocolState(v: Json) {
    const s = (this.live().get("STATE") as Json) ?? {};
    this.live().set("STATE", { ...s, protocol_state: v });
  }

  /** "Running" | "Initializing" | "Resharing" | undefined (NotInitialized). */
  get phase(): string | undefined {
    const s = this.protocolState;
    return s === undefined ? undefined : typeof s === "string" ? s : Object.keys(s)[0];
  }

  /** The root key of a domain in the live keyset, in the `public_key` view's string form. */
  publicKeyOf(domainId: number): string | undefined {
    const k = keysetOf(this.protocolState)?.domains.find((d: Json) => d.domain_id === domainId);
    return k ? keyString(k.key) : undefined;
  }

  private live(): Map<string, unknown> {
    if (!this.chain || !this.contractId)
      throw new Error("SignerContractModel: attach(chain, contractId) or install() first");
    return this.chain.contractState(this.contractId);
  }

  // ------------------------------------------------------------------ keys (the private side)
  mode(domainId: number, mode: SignMode): this {
    this.domain(domainId);
    this.modes.set(domainId, mode);
    return this;
  }

  /** A domain whose key the model holds (preset, or generated by keygen). */
  domain(domainId: number): ModelDomain {
    const d = this.rootKeys.get(domainId);
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
    return publicKeyFromPrivate(
      CURVE[d.scheme],
      deriveChildPrivateKey(CURVE[d.scheme], d.rootPrivateKey, predecessor, path),
    );
  }

  // ------------------------------------------------------------------ keygen, as the nodes would drive it
  /** The leader starts an attempt for the domain being generated. */
  startAttempt(): void {
    const init = this.protocolState?.Initializing;
    if (!init) throw new Error(`SignerContractModel: not Initializing (${this.phase})`);
    const ev = init.generating_key;
    const h = this.chain!.height;
    ev.instance = {
      attempt_id: ev.next_attempt_id,
      started_in: h,
      expires_on: h + 31,
      completed: [],
      public_key: null,
    };
    ev.next_attempt_id += 1;
    this.protocolState = { Initializing: init };
  }

  /** `accountId` reports (vote_pk) that it finished the current attempt; the last one completes the domain. */
  complete(accountId: string): void {
    const init = this.protocolState?.Initializing;
    if (!init?.generating_key.instance) throw new Error("SignerContractModel: no active attempt");
    const ev = init.generating_key;
    const p = ev.parameters.participants.participants.find((t: Json) => t[0] === accountId);
    if (!p) throw new Error(`SignerContractModel: ${accountId} is not a participant`);
    const inst = ev.instance;
    if (!inst.completed.includes(p[1])) inst.completed.push(p[1]);
    inst.completed.sort((a: number, b: number) => a - b);
    inst.public_key ??= this.generateKey(ev.domain);
    if (inst.completed.length === ev.parameters.participants.participants.length) {
      init.generated_keys.push({ domain_id: ev.domain.id, key: inst.public_key, attempt: inst.attempt_id });
      const next = init.domains.domains[init.generated_keys.length];
      if (next) {
        init.generating_key = {
          epoch_id: init.epoch_id,
          domain: next,
          parameters: ev.parameters,
          instance: null,
          next_attempt_id: 0,
        };
      } else {
        this.protocolState = {
          Running: runningState(init.domains, { epoch_id: init.epoch_id, domains: init.generated_keys }, ev.parameters),
        };
        return;
      }
    }
    this.protocolState = { Initializing: init };
  }

  /** Every domain: start an attempt, all participants complete it. */
  finishKeygen(): void {
    while (this.phase === "Initializing") {
      this.startAttempt();
      for (const t of this.protocolState.Initializing.generating_key.parameters.participants.participants) {
        if (this.phase !== "Initializing") break;
        this.complete(t[0]);
      }
    }
  }

  /** Every participant votes for `domains` (as if each node had sent vote_add_domains): keygen starts. */
  voteAll(domains: Json[]): void {
    let ps = this.protocolState;
    for (const t of ps.Running.parameters.participants.participants)
      ps = recordVote(ps, t[1], structuredClone(domains));
    this.protocolState = ps;
  }

  /** A domain's key as the keyset holds it; the model keeps its private side (not for CKD's BLS keys). */
  private generateKey(domain: Json): Json {
    const scheme = SCHEME_OF[domain.protocol];
    if (!scheme) {
      this.blsCounter++;
      return { Bls12381: { public_key: `bls12381g2:model-key-${this.blsCounter}` } };
    }
    const d: ModelDomain = { id: domain.id, scheme, rootPrivateKey: keygenPrivateKey(scheme, domain.id) };
    this.rootKeys.set(d.id, d);
    return keysetKey(scheme, this.rootPublicKey(d.id));
  }

  private presetState(): Json {
    const p = this.preset!;
    const configs = p.domains.map((d) => ({
      id: d.id,
      protocol: protocolOf(d.scheme),
      reconstruction_threshold: p.threshold,
      purpose: "Sign",
    }));
    return {
      Running: runningState(
        { domains: configs, next_domain_id: Math.max(-1, ...p.domains.map((d) => d.id)) + 1 },
        {
          epoch_id: 0,
          domains: p.domains.map((d) => ({
            domain_id: d.id,
            attempt: 0,
            key: keysetKey(d.scheme, this.rootPublicKey(d.id)),
          })),
        },
        {
          participants: {
            next_id: p.participants.length,
            participants: p.participants.map((x, i) => [
              x.accountId,
              i,
              { url: x.url, tls_public_key: x.tlsPublicKey },
            ]),
          },
          threshold: p.threshold,
        },
      ),
    };
  }

  // ------------------------------------------------------------------ the contract
  behaviour(): ContractBehaviour {
    const state = (ctx: ContractContext): Json => {
      const s = ctx.state.get("STATE") as Json | undefined;
      // MpcContract's Default impl panics: what a view or call on an uninitialised contract gives
      if (!s) throw new ContractPanic("Calling default not allowed.");
      return s;
    };
    const domainArg = (ctx: ContractContext): number => {
      const v = ctx.args?.domain_id;
      if (v === undefined || v === null) return 0;
      if (typeof v !== "number" || !Number.isInteger(v) || v < 0)
        throw new ContractPanic(`Failed to deserialize input: domain_id ${JSON.stringify(v)}`);
      return v;
    };
    /** The keyset entry of a domain in the live state (Running, or the running state kept while Resharing). */
    const keyed = (ctx: ContractContext, domainId: number): Json => {
      const k = keysetOf(state(ctx).protocol_state)?.domains.find((d: Json) => d.domain_id === domainId);
      if (!k) throw new ContractPanic(`Domain ${domainId} does not exist`);
      return k;
    };
    return {
      view: {
        state: (ctx) => {
          if (this.beforeStateView && this.chain) {
            this.beforeStateView(this);
            return (this.live().get("STATE") as Json).protocol_state;
          }
          return state(ctx).protocol_state;
        },
        version: () => "3.14.1",
        latest_key_version: () => 0,
        public_key: (ctx) => keyString(keyed(ctx, domainArg(ctx)).key),
        derived_public_key: (ctx) => {
          const { path, predecessor } = ctx.args ?? {};
          if (typeof path !== "string") throw new ContractPanic("Failed to deserialize input: path");
          const id = domainArg(ctx);
          keyed(ctx, id);
          const override = this.derivedKeyOverride.get(id);
          if (override !== undefined) return override;
          const pred = typeof predecessor === "string" ? predecessor : ctx.predecessorId;
          const key = this.derivedPublicKey(id, pred, path);
          // the model must agree with the library's public derivation; a disagreement is a bug in one of them
          const check = deriveKey(this.rootPublicKey(id), pred, path);
          if (formatPublicKey(check) !== formatPublicKey(key))
            throw new Error("signer-contract-model: private and public derivation disagree");
          return formatPublicKey(key);
        },
      },
      call: {
        init: (ctx) => {
          this.calls.init++;
          if (ctx.state.has("STATE")) throw new ContractPanic("The contract has already been initialized");
          const params = ctx.args?.parameters;
          validateParameters(params);
          ctx.state.set("STATE", {
            protocol_state: {
              Running: runningState({ domains: [], next_domain_id: 0 }, { epoch_id: 0, domains: [] }, params),
            },
          });
        },
        vote_add_domains: (ctx) => {
          this.calls.vote_add_domains++;
          const s = state(ctx);
          if (ctx.signerId !== ctx.predecessorId) throw new ContractPanic("Caller must be the signer account");
          const running = s.protocol_state.Running;
          if (!running) throw new ContractPanic("The protocol is not Running.");
          const domains: Json[] = ctx.args?.domains;
          if (!Array.isArray(domains) || domains.length === 0)
            throw new ContractPanic("vote_add_domains must add at least one domain");
          const parts = running.parameters.participants.participants as Json[];
          const n = parts.length;
          for (const d of domains) {
            const keys = Object.keys(d).sort().join(",");
            if (keys !== "id,protocol,purpose,reconstruction_threshold")
              throw new ContractPanic(`Failed to deserialize input: ${JSON.stringify(d)}`);
            if (!PAIRS[d.purpose]?.includes(d.protocol))
              throw new ContractPanic(`Invalid protocol/purpose combination: ${d.protocol}/${d.purpose}`);
            const t = d.reconstruction_threshold;
            if (t < 2) throw new ContractPanic("Reconstruction threshold too low");
            if (t > n) throw new ContractPanic(`Reconstruction threshold ${t} exceeds participants ${n}`);
            if (t > running.parameters.threshold)
              throw new ContractPanic("Governance threshold below reconstruction threshold");
          }
          const me = parts.find((p) => p[0] === ctx.signerId);
          if (!me) throw new ContractPanic(`Not a participant: ${ctx.signerId}`);
          domains.forEach((d, i) => {
            const expected = running.domains.next_domain_id + i;
            if (d.id !== expected)
              throw new ContractPanic(`Newly proposed domain IDs are not contiguous. Expected id: ${expected}`);
          });
          s.protocol_state = recordVote(s.protocol_state, me[1], domains);
          ctx.state.set("STATE", s);
        },
        sign: (ctx) => this.sign(ctx, keyed),
      },
    };
  }

  private sign(ctx: ContractContext, keyed: (ctx: ContractContext, domainId: number) => Json): unknown {
    if (ctx.attachedDeposit < 1n) throw new ContractPanic("sign requires an attached deposit of at least 1 yoctoNEAR");
    const request = ctx.args?.request;
    if (!request || typeof request !== "object")
      throw new ContractPanic("Failed to deserialize input: missing field `request`");
    const { path, domain_id, payload_v2 } = request as Record<string, unknown>;
    if (typeof path !== "string") throw new ContractPanic("Failed to deserialize input: request.path");
    if (typeof domain_id !== "number") throw new ContractPanic("Failed to deserialize input: request.domain_id");
    keyed(ctx, domain_id);
    const d = this.domain(domain_id);
    if (!payload_v2 || typeof payload_v2 !== "object" || Object.keys(payload_v2).length !== 1) {
      throw new ContractPanic("Failed to deserialize input: request.payload_v2");
    }
    const [kind, hex] = Object.entries(payload_v2 as Record<string, unknown>)[0];
    if (kind !== KIND[d.scheme])
      throw new ContractPanic(`payload_v2 ${kind} does not fit domain ${d.id} (${d.scheme})`);
    if (typeof hex !== "string" || !/^([0-9a-fA-F]{2})+$/.test(hex))
      throw new ContractPanic("Failed to deserialize input: payload is not hex");
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

/** Records a participant's add-domains vote; when every participant voted the same, keygen starts. */
function recordVote(ps: Json, participantId: number, domains: Json[]): Json {
  const running = ps.Running;
  running.add_domains_votes.proposal_by_account[String(participantId)] = domains;
  const n = running.parameters.participants.participants.length;
  const same = Object.values(running.add_domains_votes.proposal_by_account).filter(
    (v) => JSON.stringify(v) === JSON.stringify(domains),
  ).length;
  if (same < n) return ps;
  const registry = {
    domains: [...running.domains.domains, ...domains],
    next_domain_id: running.domains.next_domain_id + domains.length,
  };
  return {
    Initializing: {
      domains: registry,
      epoch_id: running.keyset.epoch_id,
      generated_keys: [...running.keyset.domains],
      generating_key: {
        epoch_id: running.keyset.epoch_id,
        domain: domains[0],
        parameters: running.parameters,
        instance: null,
        next_attempt_id: 0,
      },
      cancel_votes: [],
    },
  };
}

function runningState(domains: Json, keyset: Json, parameters: Json): Json {
  return {
    domains,
    keyset,
    parameters,
    parameters_votes: { proposal_by_account: {} },
    add_domains_votes: { proposal_by_account: {} },
    previously_cancelled_resharing_epoch_id: null,
  };
}

function keysetOf(ps: Json | undefined): Json | undefined {
  return ps?.Running?.keyset ?? ps?.Resharing?.previous_running_state.keyset;
}

/** A key in the keyset's serde shape. */
function keysetKey(scheme: ModelScheme, pk: ChainSigPublicKey): Json {
  const s = formatPublicKey(pk);
  return scheme === "Secp256k1"
    ? { Secp256k1: { near_public_key: s } }
    : { Ed25519: { near_public_key_compressed: s, edwards_point: Array.from(pk.bytes) } };
}

function keyString(k: Json): string {
  if (k.Secp256k1) return k.Secp256k1.near_public_key;
  if (k.Ed25519) return k.Ed25519.near_public_key_compressed;
  return k.Bls12381.public_key;
}

/** GovernanceThresholdParameters::validate (thresholds.rs, participants.rs). */
function validateParameters(p: Json): void {
  if (!p || typeof p.threshold !== "number" || !p.participants || !Array.isArray(p.participants.participants)) {
    throw new ContractPanic("Failed to deserialize input from JSON.");
  }
  const list = p.participants.participants as Json[];
  const n = list.length;
  const k = p.threshold;
  if (k > n)
    throw new ContractPanic(`GovernanceThreshold must not exceed number of participants: max ${n}, found ${k}`);
  if (k < 2) throw new ContractPanic("GovernanceThreshold does not meet the minimum absolute requirement");
  const lower = Math.ceil((3 * n) / 5);
  if (k < lower)
    throw new ContractPanic(
      `GovernanceThreshold does not meet the minimum relative requirement: required ${lower}, found ${k}`,
    );
  const ids = new Set<number>();
  const accounts = new Set<string>();
  for (const [acc, id, info] of list) {
    if (typeof info?.url !== "string" || !/^ed25519:/.test(info?.tls_public_key))
      throw new ContractPanic("Failed to deserialize input from JSON.");
    if (id >= p.participants.next_id)
      throw new ContractPanic(`Participant id ${id} is not less than next id ${p.participants.next_id}`);
    ids.add(id);
    accounts.add(acc);
  }
  if (ids.size !== n) throw new ContractPanic("Duplicate participant ids");
  if (accounts.size !== n) throw new ContractPanic("Duplicate account ids");
}
