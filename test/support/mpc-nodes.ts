/**
 * mpc-nodes: simulated MPC nodes for the real signer contract (near/mpc 3.14.1) on fake-nearcore.
 * They send what the real node sends (crates/node/src/indexer/types.rs ChainSendTransactionRequest,
 * 300 Tgas, no deposit), over JSON-RPC, each signed with ITS OWN account key (the node's
 * near_signer_key), and leave every rule to the contract:
 *
 *   submit_participant_info {proposed_participant_attestation: {"Mock": "Valid"}, tls_public_key}
 *     what a node outside a TEE submits (crates/tee-authority: TeeAuthority::Local). `init` stores a
 *     placeholder attestation per participant whose account key is its TLS key, so until this call
 *     the node's key-event votes and responds fail "Caller must be an attested participant"
 *     (crates/contract/src/tee/tee_state.rs with_mocked_participant_attestations).
 *   start_keygen_instance {key_event_id: {epoch_id, domain_id, attempt_id: next_attempt_id}}
 *     by the leader, the participant with the lowest id (state/key_event.rs verify_leader), when
 *     the key event has no live attempt.
 *   vote_pk {key_event_id, public_key} from every participant, for the domain's root key: a key
 *     whose PRIVATE side the test holds (rootPrivateKey), so signatures can be made and checked.
 *   respond {request: {domain_id, payload, tweak}, response} for every `sign` the chain executes
 *     on the contract, signed with the child key root + tweak (tweak from predecessor and path);
 *     the contract verifies it against the key it derives itself.
 *
 * Misbehaviour per node: attest: false (never attests: its attestation task gave up, as the real node's does
 * 12 hours after its start), respond: "never" | "wrong-signature". restart(accountId) is the node's container
 * restarting: a fresh start submits its participant info again, whatever `attest` says.
 * A sign request is answered by ONE node, the lowest-id participant whose respond mode is not
 * "never" (in the real network one leader per request responds).
 *
 *   const nodes = new MpcNodes({ chain, contractId, nodes: [{ accountId, accountKey, tlsPublicKey }, ...] });
 *   await nodes.attest();             // every node that attests
 *   nodes.follow();                   // react to the chain: keygen after vote_add_domains, respond to sign
 *   ...; await nodes.idle();          // everything the nodes were prompted to do is done
 *   await nodes.keygen();             // or drive keygen explicitly until Running (or stuck)
 *   nodes.calls                       // every transaction a node sent: method, ok, the contract's error
 *   nodes.signRequests                // every `sign` they saw, as the contract stores it, and who answered
 *   nodes.timeOutUnanswered = true    // the test's clock: 200 blocks pass after a sign nobody answered
 *   const { chain, root, nodes } = await startRunningSigner()   // a localnet after Layer 3, nodes following
 *
 * Wire shapes (crates/near-mpc-contract-interface): public keys, including tls_public_key and
 * vote_pk's public_key, travel as NEAR strings "ed25519:..." / "secp256k1:..." (custom serde), though
 * the ABI the wasm embeds (`__contract_abi`) describes Ed25519PublicKey as an array of 32 integers;
 * the tweak is an array of 32 integers, payloads {"Ecdsa" | "Eddsa": hex}.
 */
import { KeyPair, actions } from "near-api-js";
import { deriveTweak, formatPublicKey, toSignResponseJson, type Curve } from "../../platform/chainsig/index.js";
import { deriveChildPrivateKey, publicKeyFromPrivate, signLikeContract } from "../../platform/chainsig/testkit.js";
import { connect, sendTransaction, view, type NearConnection } from "../../platform/near/client.js";
import { OpsError } from "../../platform/near/errors.js";
import { contractWasm } from "./contracts.js";
import { FakeNearcore, type ChainSnapshot } from "./fake-nearcore.js";

type Json = any;

export type RespondMode = "valid" | "never" | "wrong-signature";

/** What the nodes read from fake-nearcore's onFunctionCall events. */
interface CallSeen {
  receiverId: string;
  methodName: string;
  argsJson: unknown;
  predecessorId: string;
  ok: boolean;
}

export interface MpcNodeConfig {
  accountId: string;
  /** The node account's key (its near_signer_key): every transaction of this node is signed with it. */
  accountKey: KeyPair;
  /** The node's P2P (TLS) public key, "ed25519:...", as `init` registered it. */
  tlsPublicKey: string;
  /** false: the node never sends submit_participant_info. Default true. */
  attest?: boolean;
  /** Default "valid"; a function decides per request. */
  respond?: RespondMode | ((req: SeenSignRequest) => RespondMode);
}

export interface MpcNodesOptions {
  chain: FakeNearcore;
  contractId: string;
  nodes: MpcNodeConfig[];
  /** The root private key keygen "produces" for a domain; default rootPrivateKey(curve, domainId). */
  rootKey?: (curve: Curve, domainId: number) => Uint8Array;
}

/** One transaction a node sent. */
export interface NodeCall {
  node: string;
  method: string;
  args: Json;
  ok: boolean;
  /** The contract's panic text (or the RPC error) when the call failed. */
  error?: string;
  txHash?: string;
}

/** A `sign` the nodes saw, with the request as the contract stores it. */
export interface SeenSignRequest {
  predecessor: string;
  path: string;
  domainId: number;
  request: { domain_id: number; payload: Json; tweak: number[] };
  /** The node that answered (undefined: nobody, or not yet). */
  respondedBy?: string;
}

/** Node-side gas of every call (crates/node/src/indexer/types.rs MAX_GAS). */
const NODE_GAS = 300n * 10n ** 12n;
const MOCK_ATTESTATION = { Mock: "Valid" };

/** A deterministic root private key for a domain (test only): 0x11.. with the domain id and a marker byte. */
export function rootPrivateKey(curve: Curve, domainId: number): Uint8Array {
  const out = new Uint8Array(32).fill(0x11);
  // secp256k1 keys are big-endian, ed25519 scalars little-endian: keep the high byte small either way
  out[curve === "secp256k1" ? 31 : 0] = (7 + 2 * domainId) & 0xff;
  out[curve === "secp256k1" ? 0 : 31] = 0x01;
  return out;
}

/** The curve of a domain's keys by its protocol (crates/contract/src/primitives/domain.rs); CKD's BLS keys: none. */
function curveOfProtocol(protocol: string): Curve | undefined {
  if (protocol === "CaitSith" || protocol === "DamgardEtAl") return "secp256k1";
  if (protocol === "Frost") return "ed25519";
  return undefined;
}

function errorText(e: unknown): string {
  if (e instanceof OpsError && typeof e.details?.panic === "string") return e.details.panic;
  return e instanceof Error ? e.message : String(e);
}

/** nearcore's yield_timeout_length_in_blocks (core/parameters): a yield nobody resumes fails after it. */
const YIELD_TIMEOUT_BLOCKS = 200;

export class MpcNodes {
  readonly calls: NodeCall[] = [];
  /** The nodes whose container was restarted, in order. */
  readonly restarts: string[] = [];
  readonly signRequests: SeenSignRequest[] = [];
  /**
   * The test's clock: after a `sign` no node answered successfully, advance the chain
   * YIELD_TIMEOUT_BLOCKS blocks, so the contract's yield times out and the caller gets its answer.
   */
  timeOutUnanswered = false;
  private readonly chain: FakeNearcore;
  private readonly contractId: string;
  private readonly nodes: MpcNodeConfig[];
  private readonly rootKey: (curve: Curve, domainId: number) => Uint8Array;
  /** Domain id -> curve, learnt from the key events the nodes took part in. */
  private readonly curves = new Map<number, Curve>();
  private conn?: NearConnection;
  private queue: Promise<void> = Promise.resolve();
  private failure?: unknown;
  private unsubscribe?: () => void;

  constructor(opts: MpcNodesOptions) {
    this.chain = opts.chain;
    this.contractId = opts.contractId;
    this.nodes = opts.nodes;
    this.rootKey = opts.rootKey ?? rootPrivateKey;
  }

  // ------------------------------------------------------------------ keys the test knows

  /** The private root key of a domain the nodes generated (or would generate) a key for. */
  rootPrivateKey(domainId: number): Uint8Array {
    return this.rootKey(this.curveOf(domainId), domainId);
  }

  rootPublicKey(domainId: number): string {
    return formatPublicKey(publicKeyFromPrivate(this.curveOf(domainId), this.rootPrivateKey(domainId)));
  }

  /** The child public key for (predecessor, path), from the private side. */
  derivedPublicKey(domainId: number, predecessor: string, path: string): string {
    const curve = this.curveOf(domainId);
    return formatPublicKey(
      publicKeyFromPrivate(curve, deriveChildPrivateKey(curve, this.rootPrivateKey(domainId), predecessor, path)),
    );
  }

  private curveOf(domainId: number): Curve {
    const c = this.curves.get(domainId);
    if (!c) throw new Error(`mpc-nodes: domain ${domainId} has no key generated by these nodes`);
    return c;
  }

  // ------------------------------------------------------------------ following the chain

  /** React to the chain as the nodes' indexers would: keygen after vote_add_domains, respond to `sign`. */
  follow(): this {
    this.unsubscribe ??= this.chain.onFunctionCall((e) => this.onCall(e));
    return this;
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** Resolves when everything the nodes were prompted to do is done; rethrows a harness failure. */
  async idle(): Promise<void> {
    for (;;) {
      const q = this.queue;
      await q;
      if (q === this.queue) break;
    }
    if (this.failure) throw this.failure;
  }

  private onCall(e: CallSeen): void {
    if (e.receiverId !== this.contractId || !e.ok) return;
    if (e.methodName === "vote_add_domains") this.enqueue(() => this.keygen().then(() => {}));
    if (e.methodName === "sign") this.enqueue(() => this.respondTo(e.predecessorId, e.argsJson as Json));
  }

  private enqueue(task: () => Promise<void>): void {
    this.queue = this.queue.then(task).catch((err) => {
      this.failure ??= err;
    });
  }

  // ------------------------------------------------------------------ what the nodes send

  /** Every node that attests submits its mock attestation and TLS key (no deposit). */
  async attest(): Promise<void> {
    for (const n of this.nodes) {
      if (n.attest === false) continue;
      await this.send(n, "submit_participant_info", {
        proposed_participant_attestation: MOCK_ATTESTATION,
        tls_public_key: n.tlsPublicKey,
      });
    }
  }

  /** The node's container restarted: at its start it submits its participant info (crates/node/src/tee/remote_attestation.rs). */
  async restart(accountId: string): Promise<NodeCall> {
    const n = this.node(accountId);
    if (!n) throw new Error(`mpc-nodes: no node ${accountId}`);
    this.restarts.push(accountId);
    const call = await this.send(n, "submit_participant_info", {
      proposed_participant_attestation: MOCK_ATTESTATION,
      tls_public_key: n.tlsPublicKey,
    });
    // back in the network, it takes part in the key event in progress
    if (this.unsubscribe) this.enqueue(() => this.keygen().then(() => {}));
    return call;
  }

  /**
   * Drives key generation as the nodes would until the contract leaves Initializing or nothing
   * moves any more (e.g. a node's vote is refused). Returns the last `state`.
   */
  async keygen(): Promise<Json> {
    for (let pass = 0; pass < 100; pass++) {
      const state = await this.state();
      if (!state?.Initializing) return state;
      if (!(await this.keygenPass(state.Initializing.generating_key))) return state;
    }
    throw new Error("mpc-nodes: keygen did not settle in 100 passes");
  }

  /** One round: the leader starts an attempt when none is live, else everyone still missing votes. */
  private async keygenPass(ev: Json): Promise<boolean> {
    const curve = curveOfProtocol(ev.domain.protocol);
    if (!curve) throw new Error(`mpc-nodes: cannot generate a ${ev.domain.protocol} key (secp256k1 and ed25519 only)`);
    this.curves.set(ev.domain.id, curve);
    const participants = [...ev.parameters.participants.participants].sort((a: Json, b: Json) => a[1] - b[1]);
    const inst = ev.instance;
    const height = await this.height();
    // an attempt at or past expires_on no longer exists for the contract (state/key_event.rs)
    if (!inst || inst.expires_on <= height) {
      const leader = this.node(participants[0][0]);
      if (!leader) return false;
      const key_event_id = { epoch_id: ev.epoch_id, domain_id: ev.domain.id, attempt_id: ev.next_attempt_id };
      return (await this.send(leader, "start_keygen_instance", { key_event_id })).ok;
    }
    const key_event_id = { epoch_id: ev.epoch_id, domain_id: ev.domain.id, attempt_id: inst.attempt_id };
    const public_key = formatPublicKey(publicKeyFromPrivate(curve, this.rootKey(curve, ev.domain.id)));
    let moved = false;
    for (const [accountId, id] of participants) {
      const n = this.node(accountId);
      if (!n || inst.completed.includes(id)) continue;
      if ((await this.send(n, "vote_pk", { key_event_id, public_key })).ok) moved = true;
    }
    return moved;
  }

  /** The answer to one `sign` the chain executed (args as the contract received them). */
  private async respondTo(predecessor: string, args: Json): Promise<void> {
    const { path, domain_id, payload_v2 } = args.request;
    const seen: SeenSignRequest = {
      predecessor,
      path,
      domainId: domain_id,
      request: { domain_id, payload: payload_v2, tweak: Array.from(deriveTweak(predecessor, path)) },
    };
    this.signRequests.push(seen);
    const modeOf = (n: MpcNodeConfig): RespondMode =>
      typeof n.respond === "function" ? n.respond(seen) : (n.respond ?? "valid");
    const responder = this.nodes.find((n) => modeOf(n) !== "never");
    if (responder) await this.answer(responder, modeOf(responder), seen);
    if (!seen.respondedBy && this.timeOutUnanswered) this.chain.advanceBlocks(YIELD_TIMEOUT_BLOCKS);
  }

  /** `respond` from one node: the child key's signature (or, misbehaving, the root key's). */
  private async answer(responder: MpcNodeConfig, mode: RespondMode, seen: SeenSignRequest): Promise<void> {
    const { domain_id, payload: payload_v2 } = seen.request;
    const curve = await this.learnCurve(domain_id);
    const payload = Uint8Array.from(Buffer.from(Object.values(payload_v2)[0] as string, "hex"));
    const child = deriveChildPrivateKey(curve, this.rootPrivateKey(domain_id), seen.predecessor, seen.path);
    // a wrong signature: made by the root key itself, which the contract does not derive for anyone
    const key = mode === "wrong-signature" ? this.rootPrivateKey(domain_id) : child;
    const response = toSignResponseJson(signLikeContract(curve, key, payload));
    const r = await this.send(responder, "respond", { request: seen.request, response });
    if (r.ok) seen.respondedBy = responder.accountId;
  }

  /** The curve of a domain: known from keygen, else read from the contract's domain registry. */
  private async learnCurve(domainId: number): Promise<Curve> {
    if (!this.curves.has(domainId)) await this.learnDomains();
    return this.curveOf(domainId);
  }

  /** Reads the contract's domain registry: the keys of domains generated before these nodes existed. */
  async learnDomains(): Promise<void> {
    const s = await this.state();
    const body = s?.Running ?? s?.Initializing ?? s?.Resharing?.previous_running_state;
    for (const d of body?.domains?.domains ?? []) {
      const curve = curveOfProtocol(d.protocol);
      if (curve) this.curves.set(d.id, curve);
    }
  }

  private node(accountId: string): MpcNodeConfig | undefined {
    return this.nodes.find((n) => n.accountId === accountId);
  }

  private async connection(): Promise<NearConnection> {
    this.conn ??= await connect(this.chain.url, { pollMs: 5, httpRetries: 0 });
    return this.conn;
  }

  private async state(): Promise<Json> {
    return view(await this.connection(), this.contractId, "state", {});
  }

  private async height(): Promise<number> {
    const conn = await this.connection();
    const block = (await conn.provider.viewBlock({ finality: "final" })) as { header: { height: number } };
    return block.header.height;
  }

  /** One function call signed with the node's account key; a failure is recorded, not thrown. */
  private async send(n: MpcNodeConfig, method: string, args: Json): Promise<NodeCall> {
    const call: NodeCall = { node: n.accountId, method, args, ok: false };
    try {
      const r = await sendTransaction(
        await this.connection(),
        { accountId: n.accountId, keyPair: n.accountKey },
        this.contractId,
        [actions.functionCall(method, args, NODE_GAS, 0n)],
      );
      call.ok = true;
      call.txHash = r.txHash;
    } catch (e) {
      call.error = errorText(e);
      if (e instanceof OpsError && typeof e.details?.txHash === "string") call.txHash = e.details.txHash;
    }
    this.calls.push(call);
    return call;
  }
}

// ------------------------------------------------------------------------------------------ a running signer

const CONTRACT = "v1.signer.localnet";
const NEAR = 10n ** 24n;
/** The default domains of a localnet (platform/chainsig/schemes.ts order): 0 secp256k1, 1 ed25519. */
const DOMAINS = ["CaitSith", "Frost"].map((protocol, id) => ({
  id,
  protocol,
  reconstruction_threshold: 2,
  purpose: "Sign",
}));

export interface RunningSigner {
  chain: FakeNearcore;
  /** The key of the root account "localnet" (1 000 000 NEAR). */
  root: KeyPair;
  /** The three nodes, following the chain. */
  nodes: MpcNodes;
}

interface Built {
  snapshot: ChainSnapshot;
  root: KeyPair;
  configs: MpcNodeConfig[];
}

let built: Promise<Built> | undefined;

/**
 * A chain as a localnet is after Layer 3: the root account "localnet" and the real signer contract
 * on v1.signer.localnet, initialised with mpc-node-{0,1,2}.localnet (threshold 2), attested, with
 * keys for the default domains, and the three nodes following the chain (they answer `sign`, by
 * `respond`, default "valid"). Built once per test file (about a second under jest), each call starts
 * a fresh chain from a snapshot of it.
 */
export async function startRunningSigner(respond?: MpcNodeConfig["respond"]): Promise<RunningSigner> {
  built ??= buildRunningSigner();
  const { snapshot, root, configs } = await built;
  const chain = await FakeNearcore.start({ chainId: "localnet", from: snapshot });
  const nodes = new MpcNodes({ chain, contractId: CONTRACT, nodes: configs.map((c) => ({ ...c, respond })) });
  await nodes.learnDomains();
  return { chain, root, nodes: nodes.follow() };
}

/**
 * The contract account holds the pinned wasm directly (a 1.2 MB deploy transaction costs seconds
 * under jest); `init` is sent by the contract account; the nodes attest, vote and run keygen.
 */
async function buildRunningSigner(): Promise<Built> {
  const chain = await FakeNearcore.start({ chainId: "localnet" });
  try {
    const root = chain.addAccount("localnet", { amount: 1_000_000n * NEAR });
    const configs = [0, 1, 2].map((i): MpcNodeConfig => {
      const accountId = `mpc-node-${i}.localnet`;
      const accountKey = chain.addAccount(accountId, { amount: 50n * NEAR });
      return { accountId, accountKey, tlsPublicKey: KeyPair.fromRandom("ed25519").getPublicKey().toString() };
    });
    const contractKey = chain.addAccount(CONTRACT, { amount: 60n * NEAR, code: contractWasm("signer") });
    const conn = await connect(chain.url, { pollMs: 5, httpRetries: 0 });
    const call = (accountId: string, keyPair: KeyPair, method: string, args: object) =>
      sendTransaction(conn, { accountId, keyPair }, CONTRACT, [actions.functionCall(method, args, NODE_GAS, 0n)]);
    const participants = configs.map((c, i) => [
      c.accountId,
      i,
      { url: `http://10.0.1.${10 + i}:3000`, tls_public_key: c.tlsPublicKey },
    ]);
    await call(CONTRACT, contractKey, "init", {
      parameters: { threshold: 2, participants: { next_id: 3, participants } },
    });
    const nodes = new MpcNodes({ chain, contractId: CONTRACT, nodes: configs });
    await nodes.attest();
    for (const c of configs) await call(c.accountId, c.accountKey, "vote_add_domains", { domains: DOMAINS });
    const state = await nodes.keygen();
    if (!state?.Running)
      throw new Error(`startRunningSigner: keygen stopped in ${JSON.stringify(state).slice(0, 500)}`);
    return { snapshot: chain.snapshot(), root, configs };
  } finally {
    await chain.close();
  }
}
