/**
 * A JS model of the MPC signer contract (near/mpc 3.14.1) for fake-nearcore: the methods the
 * set-up uses, with the contract's validation and the `state` view's JSON (the DTO shapes of
 * near-mpc-contract-interface). Keygen itself is what the MPC nodes do; tests drive it with
 * startAttempt() / complete(account) / finishKeygen(), or with a hook run before each `state` view.
 *
 *   const model = new SignerModel();
 *   chain.registerContract(codeHashOf(wasm.bytes), model.behaviour);
 *   model.bind(chain, "v1.signer.localnet");
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { baseEncode } from "near-api-js";
import { ContractPanic, type ContractBehaviour, type ContractContext, type FakeNearcore } from "../support/fake-nearcore.js";

type Json = any;

const PAIRS: Record<string, string[]> = {
  Sign: ["CaitSith", "DamgardEtAl", "Frost"],
  ForeignTx: ["CaitSith"],
  CKD: ["ConfidentialKeyDerivation"],
};

export interface ModelCounters {
  init: number;
  vote_add_domains: number;
}

export class SignerModel {
  readonly calls: ModelCounters = { init: 0, vote_add_domains: 0 };
  /** Run (with the live state) before every `state` view: lets a test walk the phases while a client polls. */
  beforeStateView?: (model: SignerModel) => void;
  private chain?: FakeNearcore;
  private contractId?: string;
  private keyCounter = 0;

  bind(chain: FakeNearcore, contractId: string): this {
    this.chain = chain;
    this.contractId = contractId;
    return this;
  }

  /** The live protocol state (undefined before init). */
  get protocolState(): Json | undefined {
    return (this.live().get("STATE") as Json | undefined)?.protocol_state;
  }
  set protocolState(v: Json) {
    const s = (this.live().get("STATE") as Json) ?? {};
    this.live().set("STATE", { ...s, protocol_state: v });
  }

  get phase(): string | undefined {
    const s = this.protocolState;
    return s === undefined ? undefined : typeof s === "string" ? s : Object.keys(s)[0];
  }

  private live(): Map<string, unknown> {
    if (!this.chain || !this.contractId) throw new Error("SignerModel: bind(chain, contractId) first");
    return this.chain.contractState(this.contractId);
  }

  // ------------------------------------------------------------------ keygen, as the nodes would drive it
  /** The leader starts an attempt for the domain being generated. */
  startAttempt(): void {
    const init = this.protocolState?.Initializing;
    if (!init) throw new Error(`SignerModel: not Initializing (${this.phase})`);
    const ev = init.generating_key;
    const h = this.chain!.height;
    ev.instance = { attempt_id: ev.next_attempt_id, started_in: h, expires_on: h + 31, completed: [], public_key: null };
    ev.next_attempt_id += 1;
    this.protocolState = { Initializing: init };
  }

  /** `accountId` reports (vote_pk) that it finished the current attempt; the last one completes the domain. */
  complete(accountId: string): void {
    const init = this.protocolState?.Initializing;
    if (!init?.generating_key.instance) throw new Error("SignerModel: no active attempt");
    const ev = init.generating_key;
    const p = ev.parameters.participants.participants.find((t: Json) => t[0] === accountId);
    if (!p) throw new Error(`SignerModel: ${accountId} is not a participant`);
    const inst = ev.instance;
    if (!inst.completed.includes(p[1])) inst.completed.push(p[1]);
    inst.completed.sort((a: number, b: number) => a - b);
    inst.public_key ??= this.newKey(ev.domain.protocol);
    if (inst.completed.length === ev.parameters.participants.participants.length) {
      init.generated_keys.push({ domain_id: ev.domain.id, key: inst.public_key, attempt: inst.attempt_id });
      const next = init.domains.domains[init.generated_keys.length];
      if (next) {
        init.generating_key = { epoch_id: init.epoch_id, domain: next, parameters: ev.parameters, instance: null, next_attempt_id: 0 };
      } else {
        this.protocolState = { Running: runningState(init.domains, { epoch_id: init.epoch_id, domains: init.generated_keys }, ev.parameters) };
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
    for (const t of ps.Running.parameters.participants.participants) ps = recordVote(ps, t[1], structuredClone(domains));
    this.protocolState = ps;
  }

  /** The root key of a domain in the keyset, in the `public_key` view's string form. */
  publicKeyOf(domainId: number): string | undefined {
    const running = this.protocolState?.Running;
    const k = running?.keyset.domains.find((d: Json) => d.domain_id === domainId);
    return k ? keyString(k.key) : undefined;
  }

  private newKey(protocol: string): Json {
    this.keyCounter++;
    if (protocol === "Frost") {
      const pub = ed25519.getPublicKey(ed25519.utils.randomSecretKey());
      return { Ed25519: { near_public_key_compressed: `ed25519:${baseEncode(pub)}`, edwards_point: [...pub] } };
    }
    if (protocol === "ConfidentialKeyDerivation") {
      return { Bls12381: { public_key: `bls12381g2:model-key-${this.keyCounter}` } };
    }
    const pub = secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), false).slice(1);
    return { Secp256k1: { near_public_key: `secp256k1:${baseEncode(pub)}` } };
  }

  // ------------------------------------------------------------------ the contract
  get behaviour(): ContractBehaviour {
    const state = (ctx: ContractContext): Json => {
      const s = ctx.state.get("STATE") as Json | undefined;
      // MpcContract's Default impl panics: what a view on an uninitialised contract gives
      if (!s) throw new ContractPanic("Calling default not allowed.");
      return s;
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
        public_key: (ctx) => {
          const ps = state(ctx).protocol_state;
          const domainId = ctx.args?.domain_id ?? 0;
          const keyset = ps.Running?.keyset ?? ps.Resharing?.previous_running_state.keyset;
          const k = keyset?.domains.find((d: Json) => d.domain_id === domainId);
          if (!k) throw new ContractPanic(`Domain not found: ${domainId}`);
          return keyString(k.key);
        },
      },
      call: {
        init: (ctx) => {
          this.calls.init++;
          if (ctx.state.has("STATE")) throw new ContractPanic("The contract has already been initialized");
          const params = ctx.args?.parameters;
          validateParameters(params);
          ctx.state.set("STATE", {
            protocol_state: { Running: runningState({ domains: [], next_domain_id: 0 }, { epoch_id: 0, domains: [] }, params) },
          });
        },
        vote_add_domains: (ctx) => {
          this.calls.vote_add_domains++;
          const s = state(ctx);
          if (ctx.signerId !== ctx.predecessorId) throw new ContractPanic("Caller must be the signer account");
          const running = s.protocol_state.Running;
          if (!running) throw new ContractPanic("The protocol is not Running.");
          const domains: Json[] = ctx.args?.domains;
          if (!Array.isArray(domains) || domains.length === 0) throw new ContractPanic("vote_add_domains must add at least one domain");
          const parts = running.parameters.participants.participants as Json[];
          const n = parts.length;
          for (const d of domains) {
            const keys = Object.keys(d).sort().join(",");
            if (keys !== "id,protocol,purpose,reconstruction_threshold") throw new ContractPanic(`Failed to deserialize input: ${JSON.stringify(d)}`);
            if (!PAIRS[d.purpose]?.includes(d.protocol)) throw new ContractPanic(`Invalid protocol/purpose combination: ${d.protocol}/${d.purpose}`);
            const t = d.reconstruction_threshold;
            if (t < 2) throw new ContractPanic("Reconstruction threshold too low");
            if (t > n) throw new ContractPanic(`Reconstruction threshold ${t} exceeds participants ${n}`);
            if (t > running.parameters.threshold) throw new ContractPanic("Governance threshold below reconstruction threshold");
          }
          const me = parts.find((p) => p[0] === ctx.signerId);
          if (!me) throw new ContractPanic(`Not a participant: ${ctx.signerId}`);
          domains.forEach((d, i) => {
            const expected = running.domains.next_domain_id + i;
            if (d.id !== expected) throw new ContractPanic(`Newly proposed domain IDs are not contiguous. Expected id: ${expected}`);
          });
          s.protocol_state = recordVote(s.protocol_state, me[1], domains);
          ctx.state.set("STATE", s);
        },
      },
    };
  }
}

/** Records a participant's add-domains vote; when every participant voted the same, keygen starts. */
function recordVote(ps: Json, participantId: number, domains: Json[]): Json {
  const running = ps.Running;
  running.add_domains_votes.proposal_by_account[String(participantId)] = domains;
  const n = running.parameters.participants.participants.length;
  const same = Object.values(running.add_domains_votes.proposal_by_account).filter((v) => JSON.stringify(v) === JSON.stringify(domains)).length;
  if (same < n) return ps;
  const registry = { domains: [...running.domains.domains, ...domains], next_domain_id: running.domains.next_domain_id + domains.length };
  return {
    Initializing: {
      domains: registry,
      epoch_id: running.keyset.epoch_id,
      generated_keys: [...running.keyset.domains],
      generating_key: { epoch_id: running.keyset.epoch_id, domain: domains[0], parameters: running.parameters, instance: null, next_attempt_id: 0 },
      cancel_votes: [],
    },
  };
}

export function runningState(domains: Json, keyset: Json, parameters: Json): Json {
  return {
    domains,
    keyset,
    parameters,
    parameters_votes: { proposal_by_account: {} },
    add_domains_votes: { proposal_by_account: {} },
    previously_cancelled_resharing_epoch_id: null,
  };
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
  if (k > n) throw new ContractPanic(`GovernanceThreshold must not exceed number of participants: max ${n}, found ${k}`);
  if (k < 2) throw new ContractPanic("GovernanceThreshold does not meet the minimum absolute requirement");
  const lower = Math.ceil((3 * n) / 5);
  if (k < lower) throw new ContractPanic(`GovernanceThreshold does not meet the minimum relative requirement: required ${lower}, found ${k}`);
  const ids = new Set<number>();
  const accounts = new Set<string>();
  for (const [acc, id, info] of list) {
    if (typeof info?.url !== "string" || !/^ed25519:/.test(info?.tls_public_key)) throw new ContractPanic("Failed to deserialize input from JSON.");
    if (id >= p.participants.next_id) throw new ContractPanic(`Participant id ${id} is not less than next id ${p.participants.next_id}`);
    ids.add(id);
    accounts.add(acc);
  }
  if (ids.size !== n) throw new ContractPanic("Duplicate participant ids");
  if (accounts.size !== n) throw new ContractPanic("Duplicate account ids");
}
