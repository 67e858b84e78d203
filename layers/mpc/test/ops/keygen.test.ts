import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { KeyPair } from "near-api-js";
import { mpcOperations } from "../../ops/index.js";
import { opContext } from "../../../../test/support/ops.js";
import { CONTRACT, fails, node, startNet, type Net } from "./harness.js";

const D0 = { id: 0, protocol: "CaitSith", reconstruction_threshold: 2, purpose: "Sign" };
const D1 = { id: 1, protocol: "Frost", reconstruction_threshold: 2, purpose: "Sign" };

let net: Net;
beforeEach(async () => {
  net = await startNet(3);
  await mpcOperations["mpc-setup-signer"](net.options() as unknown as Record<string, unknown>, net.ctx);
  net.chain.resetCounters();
  net.lines.length = 0;
});
afterEach(async () => {
  await net.close();
});

const vote = (i: number, over: Record<string, unknown> = {}) =>
  mpcOperations["mpc-vote-domains"](
    { rpcUrl: net.chain.url, accountId: node(i), key: `env:NODE${i}_KEY`, ...over },
    net.ctx,
  );
const wait = (over: Record<string, unknown> = {}) =>
  mpcOperations["mpc-wait-keygen"]({ rpcUrl: net.chain.url, timeoutMs: 5_000, pollMs: 5, ...over }, net.ctx);

describe("mpc-vote-domains", () => {
  it("each node votes with its own key; the last vote starts keygen", async () => {
    const r0 = await vote(0);
    expect(r0).toMatchObject({
      action: "voted",
      accountId: node(0),
      participantId: 0,
      phase: "Running",
      domains: [D0, D1],
      waitingFor: [node(1), node(2)],
    });
    const tx = net.chain.appliedTransactions[0];
    expect(tx).toMatchObject({ signerId: node(0), receiverId: CONTRACT, actions: ["FunctionCall:vote_add_domains"] });
    expect(tx.publicKey).toBe(net.nodeKeys[0].getPublicKey().toString());
    expect(net.model.protocolState.Running.add_domains_votes.proposal_by_account).toEqual({ "0": [D0, D1] });

    expect(await vote(1)).toMatchObject({ action: "voted", waitingFor: [node(2)] });
    expect(await vote(2)).toMatchObject({ action: "voted", phase: "Initializing", waitingFor: [] });
    expect(net.model.phase).toBe("Initializing");
    expect(net.model.protocolState.Initializing.domains).toEqual({ domains: [D0, D1], next_domain_id: 2 });
    expect(net.model.calls.vote_add_domains).toBe(3);
  });

  it("skips (sends nothing) when this participant already voted the same proposal", async () => {
    await vote(0);
    net.chain.resetCounters();
    expect(await vote(0)).toMatchObject({ action: "skipped", reason: "already-voted", waitingFor: [node(1), node(2)] });
    expect(net.chain.txCount).toBe(0);
    expect(net.lines.at(-1)).toMatchObject({
      event: "step",
      action: "skipped",
      reason: "already-voted",
      accountId: node(0),
    });
  });

  it("votes again when its earlier vote was for another proposal", async () => {
    await vote(0, { schemes: ["secp256k1"] });
    expect(net.model.protocolState.Running.add_domains_votes.proposal_by_account["0"]).toEqual([D0]);
    expect(await vote(0)).toMatchObject({ action: "voted" });
    expect(net.model.protocolState.Running.add_domains_votes.proposal_by_account["0"]).toEqual([D0, D1]);
  });

  it("skips while keygen runs for these domains and once it is complete", async () => {
    net.model.voteAll([D0, D1]);
    net.chain.resetCounters();
    expect(await vote(1)).toMatchObject({ action: "skipped", reason: "keygen-in-progress", phase: "Initializing" });
    net.model.finishKeygen();
    expect(await vote(1)).toMatchObject({ action: "skipped", reason: "keygen-complete", phase: "Running" });
    expect(net.chain.txCount).toBe(0);
  });

  it("adds only the missing scheme, from next_domain_id, once the others have keys", async () => {
    net.model.voteAll([D0]);
    net.model.finishKeygen();
    const r = await vote(2);
    expect(r).toMatchObject({ action: "voted", domains: [D1] });
    expect(net.model.protocolState.Running.add_domains_votes.proposal_by_account).toEqual({ "2": [D1] });
  });

  it("a non-participant, an uninitialised contract and a foreign key fail clearly", async () => {
    net.env.STRANGER = KeyPair.fromRandom("ed25519").toString();
    const e = await fails(vote(0, { accountId: "stranger.localnet", key: "env:STRANGER" }));
    expect(e.code).toBe("CHECK_FAILED");
    expect(e.message).toBe(
      `stranger.localnet is not a participant of ${CONTRACT} (participants: ${node(0)}, ${node(1)}, ${node(2)})`,
    );

    const e2 = await fails(vote(1, { key: "env:NODE2_KEY" }));
    expect(e2.code).toBe("ACCOUNT_KEY_MISMATCH");
    expect(e2.message).toContain(node(1));

    const e3 = await fails(vote(0, { contractId: "signer.localnet" }));
    expect(e3.code).toBe("CHECK_FAILED");
    expect(e3.message).toContain("signer.localnet is not initialised");
    expect(net.model.calls.vote_add_domains).toBe(0);

    const e4 = await fails(vote(0, { schemes: ["rsa"] }));
    expect(e4.code).toBe("INVALID_INPUT");
  });
});

describe("mpc-wait-keygen", () => {
  it("follows Running (no domains) -> Initializing -> Running with keys", async () => {
    let views = 0;
    net.model.beforeStateView = (m) => {
      views++;
      if (views === 3) m.voteAll([D0, D1]);
      if (views === 5) m.startAttempt();
      if (views === 6) m.complete(node(0));
      if (views === 7) ["mpc-node-1.localnet", "mpc-node-2.localnet"].forEach((a) => m.complete(a)); // domain 0 done
      if (views === 9) m.finishKeygen(); // domain 1 done -> Running
    };
    const r = await wait();
    expect(r).toMatchObject({ contractId: CONTRACT, phase: "Running" });
    expect(r.domains).toEqual([
      { scheme: "secp256k1", domainId: 0, publicKey: net.model.publicKeyOf(0) },
      { scheme: "ed25519", domainId: 1, publicKey: net.model.publicKeyOf(1) },
    ]);
    expect(net.model.publicKeyOf(0)).toMatch(/^secp256k1:/);
    const steps = net.lines.filter((l) => l.check === "keygen");
    expect(steps.map((s) => s.phase)).toEqual([
      "Running",
      "Initializing",
      "Initializing",
      "Initializing",
      "Initializing",
      "Running",
    ]);
    expect(steps.map((s) => s.done)).toEqual([false, false, false, false, false, true]);
    expect(steps[0].state).toContain(
      "waiting for votes from mpc-node-0.localnet, mpc-node-1.localnet, mpc-node-2.localnet",
    );
    expect(steps[1].state).toContain("no active attempt (the leader mpc-node-0.localnet has not started one)");
    expect(steps[3].state).toContain(
      "completed by mpc-node-0.localnet, waiting for mpc-node-1.localnet, mpc-node-2.localnet",
    );
    for (const s of steps) expect(typeof s.elapsedMs).toBe("number");
  });

  it("returns at once when keygen is already complete", async () => {
    net.model.voteAll([D0, D1]);
    net.model.finishKeygen();
    const r = await wait();
    expect((r.domains as { domainId: number }[]).map((d) => d.domainId)).toEqual([0, 1]);
    expect(net.lines).toHaveLength(1);
  });

  it("times out with a diagnostic summary of a keygen that never finishes", async () => {
    net.model.voteAll([D0, D1]);
    net.model.startAttempt();
    net.model.complete(node(0));
    net.model.complete(node(2));
    const e = await fails(wait({ timeoutMs: 150, pollMs: 10 }));
    expect(e.code).toBe("TIMEOUT");
    expect(e.message).toMatch(
      /^keygen on v1\.signer\.localnet not complete after \d+ s: Initializing \(key generation for domain 0\)/,
    );
    expect(e.message).toContain(
      "completed by mpc-node-0.localnet, mpc-node-2.localnet, waiting for mpc-node-1.localnet",
    );
    expect(e.message).toContain("secp256k1: domain 0 has no key yet; ed25519: domain 1 has no key yet");
    const diag = net.lines.find((l) => "diagnostics" in l) as { diagnostics: Record<string, any> };
    expect(diag.diagnostics.phase).toBe("Initializing");
    expect(diag.diagnostics.missingParticipants).toEqual([node(1)]);
    expect(diag.diagnostics.keyEvent).toMatchObject({
      domainId: 0,
      attemptId: 0,
      active: true,
      completed: [node(0), node(2)],
      missing: [node(1)],
    });
    expect(diag.diagnostics.participants).toEqual([node(0), node(1), node(2)]);
  });

  it("times out naming the participants that have not voted", async () => {
    await vote(1);
    const e = await fails(wait({ timeoutMs: 50, pollMs: 10 }));
    expect(e.code).toBe("TIMEOUT");
    expect(e.message).toContain(
      "Running (epoch 0), secp256k1: no domain; ed25519: no domain; votes to add domains from mpc-node-1.localnet",
    );
    expect(e.message).toContain("waiting for votes from mpc-node-0.localnet, mpc-node-2.localnet");
  });

  it("keeps polling through a transient RPC failure", async () => {
    net.model.voteAll([D0, D1]);
    net.model.finishKeygen();
    // 4 failed views: 3 exhaust the read retries of platform/near/client.ts, so the wait loop itself must poll
    // again. Without near-api-js's own 5xx retries (their back-off starts at 200 ms).
    net.chain.failNext(4, "http503", { method: "query" });
    const ctx = opContext(net.keys, { httpRetries: 0 });
    const r = await mpcOperations["mpc-wait-keygen"]({ rpcUrl: net.chain.url, timeoutMs: 10_000, pollMs: 5 }, ctx);
    expect(r.phase).toBe("Running");
    expect(ctx.logs.filter((l) => l.endsWith("; retrying"))).toEqual([expect.stringMatching(/^poll 1: /)]);
  });
});

describe("mpc-root-keys", () => {
  it("reads public_key for each domain", async () => {
    net.model.voteAll([D0, D1]);
    net.model.finishKeygen();
    const r = await mpcOperations["mpc-root-keys"](
      { rpcUrl: net.chain.url, schemes: ["ed25519", "secp256k1"] },
      net.ctx,
    );
    expect(r).toEqual({
      contractId: CONTRACT,
      keys: [
        {
          domainId: 0,
          scheme: "secp256k1",
          protocol: "CaitSith",
          purpose: "Sign",
          publicKey: net.model.publicKeyOf(0),
        },
        { domainId: 1, scheme: "ed25519", protocol: "Frost", purpose: "Sign", publicKey: net.model.publicKeyOf(1) },
      ],
    });
  });

  it("fails before keygen completed", async () => {
    net.model.voteAll([D0, D1]);
    const e = await fails(mpcOperations["mpc-root-keys"]({ rpcUrl: net.chain.url }, net.ctx));
    expect(e.code).toBe("CHECK_FAILED");
    expect(e.message).toContain("has no complete keyset yet: Initializing");
  });
});
