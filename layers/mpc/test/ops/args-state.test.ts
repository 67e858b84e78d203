import { describe, expect, it } from "@jest/globals";
import { KeyPair } from "near-api-js";
import {
  SIGNER_CODE_HASH,
  SIGNER_WASM,
  addDomainsArgs,
  domainsWithKeys,
  hasVotedFor,
  initArgs,
  keygenComplete,
  minThreshold,
  missingSchemes,
  parseContractState,
  summariseState,
  validateThreshold,
  type ParticipantSpec,
} from "../../ops/index.js";
import { codeHashFromSha256 } from "../../../../platform/near/client.js";
import { throws } from "../../../../test/support/ops.js";
import { D0, D1, P2P, SECP, freshRunning, initializingJson, runningJson } from "../state-fixtures.js";

const participants = (n: number): ParticipantSpec[] =>
  Array.from({ length: n }, (_, i) => ({
    accountId: `mpc-node-${i}.localnet`,
    p2pPublicKey: i < P2P.length ? P2P[i] : KeyPair.fromRandom("ed25519").getPublicKey().toString(),
    url: `http://10.0.1.${10 + i}:3000`,
  }));

describe("pinned release", () => {
  it("the code hash is base58 of the pinned sha256, the URL pinned to a commit", () => {
    expect(codeHashFromSha256(SIGNER_WASM.sha256)).toBe(SIGNER_CODE_HASH);
    expect(SIGNER_CODE_HASH).toBe("F8NqkFhF97BxjYrweg3hFFhdH57k4qgqoPdLDwP6H9dL");
    expect(SIGNER_WASM.url).toBe(
      "https://raw.githubusercontent.com/near/mpc/e1ce929e0736a067262e253ecccdb3ca6c6ee9fa/crates/contract-history/archive/signer-3_14_1.wasm",
    );
  });
});

describe("initArgs", () => {
  it("builds the near/mpc 3.10+ init shape ([account, id, info] triples), ids in list order, next_id = n", () => {
    const args = initArgs({ threshold: 2, participants: participants(3) });
    expect(JSON.stringify(args)).toBe(
      JSON.stringify({
        parameters: {
          threshold: 2,
          participants: {
            next_id: 3,
            participants: [
              ["mpc-node-0.localnet", 0, { tls_public_key: P2P[0], url: "http://10.0.1.10:3000" }],
              ["mpc-node-1.localnet", 1, { tls_public_key: P2P[1], url: "http://10.0.1.11:3000" }],
              ["mpc-node-2.localnet", 2, { tls_public_key: P2P[2], url: "http://10.0.1.12:3000" }],
            ],
          },
        },
      }),
    );
  });

  it.each([
    [3, 2],
    [3, 3],
    [4, 3],
    [5, 3],
    [10, 6],
  ])("accepts n=%i threshold=%i", (n, t) => {
    expect(initArgs({ threshold: t, participants: participants(n) }).parameters.threshold).toBe(t);
  });

  it.each([
    [3, 1, "below the minimum of 2"],
    [3, 4, "exceeds the number of participants (3)"],
    [4, 2, "below 60% of 4 participants (at least 3)"],
    [5, 2, "below 60% of 5 participants (at least 3)"],
    [10, 5, "below 60% of 10 participants (at least 6)"],
    [1, 1, "below the minimum of 2"],
    [2, 3, "exceeds the number of participants (2)"],
  ])("rejects n=%i threshold=%i: %s", (n, t, msg) => {
    const e = throws(() => initArgs({ threshold: t, participants: participants(n) }));
    expect(e.code).toBe("INVALID_INPUT");
    expect(e.message).toContain(msg);
  });

  it("rejects a non-integer threshold", () => {
    expect(throws(() => validateThreshold(2.5, 3)).message).toContain("not a whole number");
    expect(throws(() => validateThreshold("2", 3)).message).toContain("not a whole number");
  });

  it("minThreshold follows the contract's max(2, ceil(3n/5))", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 10].map(minThreshold)).toEqual([2, 2, 2, 3, 3, 4, 5, 6]);
  });

  it("rejects malformed participants with a message naming the field", () => {
    const base = participants(3);
    const cases: [Partial<ParticipantSpec>, string][] = [
      [{ accountId: "MPC-Node.localnet" }, "is not a NEAR account id"],
      [{ p2pPublicKey: "ed25519:abc" }, "p2pPublicKey"],
      [{ p2pPublicKey: "secp256k1:" + "1".repeat(40) }, "p2pPublicKey"],
      [{ url: "10.0.1.10:3000" }, "url"],
      [{ url: "http://10.0.1.10" }, "explicit port"],
      [{ url: "ftp://10.0.1.10:3000" }, "url"],
    ];
    for (const [patch, msg] of cases) {
      const list = base.map((p, i) => (i === 1 ? { ...p, ...patch } : p));
      const e = throws(() => initArgs({ threshold: 2, participants: list }));
      expect(e.code).toBe("INVALID_INPUT");
      expect(e.message).toContain("participant 1");
      expect(e.message).toContain(msg);
    }
    const dup = throws(() =>
      initArgs({ threshold: 2, participants: [base[0], base[1], { ...base[2], p2pPublicKey: base[0].p2pPublicKey }] }),
    );
    expect(dup.message).toContain("duplicate P2P public key");
    expect(throws(() => initArgs({ threshold: 2, participants: [] })).message).toContain("non-empty");
  });
});

describe("addDomainsArgs", () => {
  it("secp256k1 -> CaitSith, ed25519 -> Frost, purpose Sign, ids from 0, exactly the vote_add_domains shape", () => {
    expect(JSON.stringify(addDomainsArgs(["secp256k1", "ed25519"], 2))).toBe(
      '{"domains":[{"id":0,"protocol":"CaitSith","reconstruction_threshold":2,"purpose":"Sign"},{"id":1,"protocol":"Frost","reconstruction_threshold":2,"purpose":"Sign"}]}',
    );
  });

  it("keeps the configured order, starts at firstId, maps bls12381 to CKD", () => {
    expect(addDomainsArgs(["ed25519", "bls12381"], 3, { firstId: 2 }).domains).toEqual([
      { id: 2, protocol: "Frost", reconstruction_threshold: 3, purpose: "Sign" },
      { id: 3, protocol: "ConfidentialKeyDerivation", reconstruction_threshold: 3, purpose: "CKD" },
    ]);
  });

  it("rejects unknown or repeated schemes and bad thresholds", () => {
    expect(throws(() => addDomainsArgs(["secp256r1"], 2)).message).toContain('unknown signature scheme "secp256r1"');
    expect(throws(() => addDomainsArgs(["ed25519", "ED25519"], 2)).message).toContain("listed twice");
    expect(throws(() => addDomainsArgs([], 2)).message).toContain("non-empty");
    expect(throws(() => addDomainsArgs(["ed25519"], 1)).message).toContain("at least 2");
    expect(throws(() => addDomainsArgs(["ed25519"], 4, { participants: 3 })).message).toContain(
      "exceeds the number of participants (3)",
    );
  });
});

// ------------------------------------------------------------------------------------------ state

describe("parseContractState", () => {
  it("parses Running with a keyset", () => {
    const s = parseContractState(runningJson());
    expect(s.phase).toBe("Running");
    if (s.phase !== "Running") return;
    expect(s.keys).toEqual([
      { domainId: 0, attempt: 0, curve: "Secp256k1", publicKey: SECP.Secp256k1.near_public_key },
      { domainId: 1, attempt: 1, curve: "Ed25519", publicKey: P2P[0] },
    ]);
    expect(s.parameters.participants[2]).toEqual({
      accountId: "mpc-node-2.localnet",
      id: 2,
      url: "http://10.0.1.12:3000",
      tlsPublicKey: P2P[2],
    });
    expect(domainsWithKeys(s)).toEqual([0, 1]);
    expect(keygenComplete(s, ["secp256k1", "ed25519"])).toBe(true);
    expect(keygenComplete(s, ["secp256k1", "ed25519", "bls12381"])).toBe(false);
    expect(missingSchemes(s, ["secp256k1", "bls12381"])).toEqual(["bls12381"]);
  });

  it("parses votes keyed by participant id and answers who voted for what", () => {
    const s = parseContractState(freshRunning);
    expect(keygenComplete(s, ["secp256k1"])).toBe(false);
    const proposal = addDomainsArgs(["secp256k1", "ed25519"], 2).domains;
    expect(hasVotedFor(s, "mpc-node-0.localnet", proposal)).toBe(true);
    expect(hasVotedFor(s, "mpc-node-2.localnet", proposal)).toBe(false); // voted for another proposal
    expect(hasVotedFor(s, "mpc-node-1.localnet", proposal)).toBe(false);
    expect(hasVotedFor(s, "stranger.localnet", proposal)).toBe(false);
    const sum = summariseState(s, ["secp256k1", "ed25519"], proposal);
    expect(sum.missingParticipants).toEqual(["mpc-node-1.localnet", "mpc-node-2.localnet"]);
    expect(sum.votes).toEqual({ "mpc-node-0.localnet": [D0, D1], "mpc-node-2.localnet": [D0] });
    expect(sum.text).toContain("waiting for votes from mpc-node-1.localnet, mpc-node-2.localnet");
  });

  it("parses Initializing and names who has not completed the attempt", () => {
    const s = parseContractState(initializingJson);
    expect(s.phase).toBe("Initializing");
    expect(domainsWithKeys(s)).toEqual([0]);
    expect(keygenComplete(s, ["secp256k1"])).toBe(false); // keys exist, but not Running
    const sum = summariseState(s, ["secp256k1", "ed25519"]);
    expect(sum.keyEvent).toEqual({
      domainId: 1,
      attemptId: 1,
      active: true,
      expiresOn: 131,
      completed: ["mpc-node-0.localnet", "mpc-node-2.localnet"],
      missing: ["mpc-node-1.localnet"],
      leader: "mpc-node-0.localnet",
    });
    expect(sum.schemes).toEqual([
      { scheme: "secp256k1", domainId: 0, hasKey: true },
      { scheme: "ed25519", domainId: 1, hasKey: false },
    ]);
    expect(sum.text).toContain("key generation for domain 1");
  });

  it("an attempt past its expires_on is reported as expired, with the current block height", () => {
    const s = parseContractState(initializingJson);
    const active = summariseState(s, ["secp256k1", "ed25519"], undefined, 130);
    expect(active.keyEvent?.expired).toBe(false);
    expect(active.text).toContain("attempt 1 active until block 131");
    const late = summariseState(s, ["secp256k1", "ed25519"], undefined, 131);
    expect(late.keyEvent?.expired).toBe(true);
    expect(late.text).toContain(
      "attempt 1 EXPIRED at block 131 (now block 131), completed by mpc-node-0.localnet, mpc-node-2.localnet, " +
        "waiting for mpc-node-1.localnet; the leader mpc-node-0.localnet must start a new attempt",
    );
  });

  it("an Initializing state without an instance is waiting for the leader", () => {
    const json = structuredClone(initializingJson);
    (json.Initializing.generating_key as { instance: unknown }).instance = null;
    const sum = summariseState(parseContractState(json), ["secp256k1", "ed25519"]);
    expect(sum.keyEvent?.active).toBe(false);
    expect(sum.text).toContain("the leader mpc-node-0.localnet has not started one");
    expect(sum.missingParticipants).toEqual(["mpc-node-0.localnet", "mpc-node-1.localnet", "mpc-node-2.localnet"]);
  });

  it("parses Resharing and NotInitialized", () => {
    const r = parseContractState({
      Resharing: {
        previous_running_state: runningJson().Running,
        reshared_keys: [],
        resharing_key: {
          ...initializingJson.Initializing.generating_key,
          domain: D0,
          instance: null,
          next_attempt_id: 0,
        },
        cancellation_requests: [],
        per_domain_thresholds: {},
      },
    });
    expect(r.phase).toBe("Resharing");
    expect(domainsWithKeys(r)).toEqual([0, 1]);
    expect(keygenComplete(r, ["secp256k1"])).toBe(false);
    expect(parseContractState("NotInitialized")).toEqual({ phase: "NotInitialized" });
  });

  it("unknown shapes fail with CHECK_FAILED naming the field", () => {
    const cases: [unknown, string][] = [
      [{ Migrating: {} }, 'unknown phase "Migrating"'],
      ["Running", 'expected "NotInitialized"'],
      [{ Running: {}, Initializing: {} }, 'expected "NotInitialized"'],
      [
        runningJson({ keyset: { epoch_id: 0, domains: [{ domain_id: 0, key: { Secp256r1: {} }, attempt: 0 }] } }),
        "unknown key type Secp256r1",
      ],
      [
        runningJson({ domains: { domains: [{ ...D0, protocol: "Schnorr" }], next_domain_id: 1 } }),
        "Running.domains.domains[0].protocol",
      ],
      [
        runningJson({ parameters: { threshold: 2, participants: { next_id: 1, participants: [["a.localnet", 0]] } } }),
        "is not [account, id, info]",
      ],
      [runningJson({ add_domains_votes: { proposal_by_account: { alice: [] } } }), "key is not a participant id"],
    ];
    for (const [json, msg] of cases) {
      const e = throws(() => parseContractState(json, "v1.signer.localnet"));
      expect(e.code).toBe("CHECK_FAILED");
      expect(e.message).toContain("v1.signer.localnet");
      expect(e.message).toContain(msg);
    }
  });
});
