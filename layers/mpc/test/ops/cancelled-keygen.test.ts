// After a cancelled keygen, end to end on the real signer contract (near/mpc 3.14.1 wasm in fake-nearcore)
// with simulated MPC nodes: vote_cancel_keygen deletes the domains being generated (0 and 1) and never
// reuses their ids, the domains voted again get 2 and 3, keygen completes, and the sign test, asked for the
// domains the way `sign-test` reads them from the stack outputs, signs and verifies on 2 and 3. EdDSA
// payloads of 0 and 16 bytes sign and verify on domain 3 too.
import { afterAll, beforeAll, expect, it } from "@jest/globals";
import { actions } from "near-api-js";
import {
  buildSignArgs,
  deriveKey,
  formatPublicKey,
  parsePublicKey,
  parseSignResponse,
  SIGN_DEPOSIT_YOCTO,
  SIGN_GAS,
  verifySignResponse,
} from "../../../../platform/chainsig/index.js";
import { SCHEMES } from "../../../../platform/chainsig/schemes.js";
import { connect, sendTransaction, view } from "../../../../platform/near/client.js";
import { signDomains } from "../../../../automation/commands/sign-test.js";
import { parseStackOutputs } from "../../../../automation/stack-outputs.js";
import { mpcOperations } from "../../ops/index.js";
import { signTestOperations, type SignTestResult } from "../../ops/sign-test/index.js";
import { CONTRACT, node, setUpSigner, startNet, voteAll, type Net } from "./harness.js";

const TESTER = "sign-tester.localnet";
const PATH = "near-localnet-sign-test";
let net: Net;
let keygen: Record<string, any>;

beforeAll(async () => {
  net = await startNet(3, { predeployed: true });
  await setUpSigner(net);
  await net.nodes.attest();
  await voteAll(net);
  expect((await net.state()).Initializing.domains.next_domain_id).toBe(2);
  // two of three (the threshold) vote to cancel the key generation in progress
  const conn = await connect(net.chain.url, { pollMs: 5 });
  for (const i of [0, 1])
    await sendTransaction(conn, { accountId: node(i), keyPair: net.nodeKeys[i] }, CONTRACT, [
      actions.functionCall("vote_cancel_keygen", { next_domain_id: 2 }, 300n * 10n ** 12n, 0n),
    ]);
  net.nodes.follow();
  await voteAll(net);
  keygen = await mpcOperations["mpc-wait-keygen"]({ rpcUrl: net.chain.url, timeoutMs: 10_000, pollMs: 5 }, net.ctx);
  await net.nodes.idle();
});

afterAll(async () => {
  await net?.close();
});

it("the cancelled domains are gone for good: the domains voted again are 2 and 3", async () => {
  const running = (await net.state()).Running;
  expect(running.domains.domains.map((d: any) => [d.id, d.protocol])).toEqual([
    [2, "CaitSith"],
    [3, "Frost"],
  ]);
  expect(running.domains.next_domain_id).toBe(4);
  expect(keygen.domains).toEqual([
    { scheme: "secp256k1", domainId: 2, publicKey: net.nodes.rootPublicKey(2) },
    { scheme: "ed25519", domainId: 3, publicKey: net.nodes.rootPublicKey(3) },
  ]);
});

it("the sign test, given the domains as the stack outputs carry them, signs and verifies on 2 and 3", async () => {
  // Layer 3's `domains` output as the component makes it from the keygen wait's result
  const domains = keygen.domains.map((d: any) => ({
    id: d.domainId,
    scheme: d.scheme,
    ...SCHEMES[d.scheme as "secp256k1"],
  }));
  const outputs = parseStackOutputs({ mpc: { value: { nodes: [], contractId: CONTRACT, domains }, secret: false } });
  const asked = signDomains(outputs);
  expect(asked).toEqual([
    { domainId: 2, scheme: "Secp256k1" },
    { domainId: 3, scheme: "Ed25519" },
  ]);
  const r = (await signTestOperations["sign-test"](
    {
      rpcUrl: net.chain.url,
      contractId: CONTRACT,
      tester: { accountId: TESTER, balance: "2 NEAR" },
      funder: { accountId: "localnet", keyRef: "env:ROOT_KEY" },
      domains: asked,
    },
    net.ctx,
  )) as unknown as SignTestResult;
  expect(r.summary).toBe("2/2 requests verified, 2/2 derived keys match");
  expect(r.ok).toBe(true);
  expect(r.requests.map((q) => [q.domainId, q.scheme, q.verdict])).toEqual([
    [2, "Secp256k1", "verified"],
    [3, "Ed25519", "verified"],
  ]);
  await net.nodes.idle();
  expect(net.nodes.signRequests.map((s) => [s.domainId, s.respondedBy])).toEqual([
    [2, node(0)],
    [3, node(0)],
  ]);
});

it("EdDSA payloads of 0 and 16 bytes: the contract takes them, a node answers, the signature verifies", async () => {
  const conn = await connect(net.chain.url, { pollMs: 5 });
  const contractKey = await view(conn, CONTRACT, "derived_public_key", {
    path: PATH,
    predecessor: TESTER,
    domain_id: 3,
  });
  const derived = deriveKey(parsePublicKey(net.nodes.rootPublicKey(3)), TESTER, PATH);
  expect(formatPublicKey(derived)).toBe(contractKey);
  for (const size of [0, 16]) {
    const payload = new Uint8Array(size).fill(0xab);
    const args = buildSignArgs({ path: PATH, domainId: 3, kind: "Eddsa", payload });
    expect(args.request.payload_v2).toEqual({ Eddsa: "ab".repeat(size) });
    // the sign test's tester holds the funder's key (its default)
    const r = await sendTransaction(conn, { accountId: TESTER, keyPair: net.root }, CONTRACT, [
      actions.functionCall("sign", args, SIGN_GAS, SIGN_DEPOSIT_YOCTO),
    ]);
    const response = parseSignResponse(r.value);
    expect(response.scheme).toBe("Ed25519");
    expect(verifySignResponse(derived, payload, response)).toMatchObject({ ok: true });
    // and not for another payload
    expect(verifySignResponse(derived, new Uint8Array(size + 1).fill(0xab), response)).toMatchObject({ ok: false });
  }
});
