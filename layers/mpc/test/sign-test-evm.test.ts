// The sign test's Ethereum leg end to end: the REAL signer contract (near/mpc 3.14.1 wasm in
// fake-nearcore) answered by simulated MPC nodes with the domain's derived key
// (test/support/mpc-nodes.ts), and a REAL anvil (the pinned @foundry-rs/anvil binary) on loopback
// as the destination chain. The derived address is funded by a dev account, spends with a
// transaction whose signature the contract produced, and the chain names it as the sender.
import { KeyPair, actions } from "near-api-js";
import { getAddress, toHex, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAddress } from "viem/accounts";
import {
  SIGN_DEPOSIT_YOCTO,
  SIGN_GAS,
  buildSignArgs,
  ethereumAddress,
  parsePublicKey,
  parseSignSuccessValue,
  type EcdsaSignResponse,
} from "../../../platform/chainsig/index.js";
import { connect, sendTransaction } from "../../../platform/near/client.js";
import { connectEvm, nextTransfer, sendAndWait } from "../../../platform/evm/chain.js";
import {
  assembleSignedTransaction,
  eip1559Transfer,
  recoverSender,
  signingHash,
} from "../../../platform/evm/transaction.js";
import { signTestOperations, type SignTestResult } from "../ops/sign-test/index.js";
import type { FakeNearcore } from "../../../test/support/fake-nearcore.js";
import { startRunningSigner, type MpcNodes } from "../../../test/support/mpc-nodes.js";
import { opContext } from "../../../test/support/ops.js";
import { startAnvil, type Anvil } from "../../../test/support/anvil.js";

const CONTRACT = "v1.signer.localnet";
const TESTER = "sign-tester.localnet";
const PATH = "near-localnet-sign-test";
const CHAIN_ID = 31337;
const ETHER = 10n ** 18n;

let chain: FakeNearcore;
let nodes: MpcNodes;
let root: KeyPair;
let anvil: Anvil;
let devKey: Hex;

function evmPayload(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    rpcUrl: chain.url,
    expectChainId: "localnet",
    contractId: CONTRACT,
    path: PATH,
    tester: { accountId: TESTER, balance: "2 NEAR" },
    funder: { accountId: "localnet", keyRef: "env:ROOT_KEY" },
    domains: [{ domainId: 0, scheme: "Secp256k1" }],
    evm: { rpcUrl: anvil.url, chainId: CHAIN_ID, devKeyRef: "env:EVM_DEV_KEY", ...extra },
  };
}

async function runOp(p: Record<string, unknown>): Promise<SignTestResult> {
  const c = opContext({ ROOT_KEY: root.toString(), EVM_DEV_KEY: devKey });
  return JSON.parse(JSON.stringify(await signTestOperations["sign-test"](p, c))) as SignTestResult;
}

/** The tester's derived Ethereum address as the nodes sign for it (their child key). */
function derivedAddress(): string {
  return getAddress(ethereumAddress(parsePublicKey(nodes.derivedPublicKey(0, TESTER, PATH))));
}

beforeEach(async () => {
  ({ chain, root, nodes } = await startRunningSigner());
  anvil = await startAnvil({ chainId: CHAIN_ID });
  devKey = generatePrivateKey();
  // as the host's start script funds the dev account on a fresh chain
  await anvil.rpc("anvil_setBalance", [privateKeyToAddress(devKey), toHex(100n * ETHER)]);
});
afterEach(async () => {
  nodes.stop();
  await anvil.stop();
  await chain.close();
});

describe("sign-test --evm against anvil", () => {
  it("funds the derived address, signs through the contract, and the chain mines it with that sender", async () => {
    const r = await runOp(evmPayload());
    expect(r.ok).toBe(true);
    expect(r.summary).toBe("1/1 requests verified, 1/1 derived keys match, Ethereum transfer mined");
    const evm = r.evm!;
    const address = derivedAddress();
    expect(evm).toMatchObject({ ok: true, chainId: CHAIN_ID, domainId: 0, address, sender: address });
    expect(evm.steps.map((s) => s.step)).toEqual(["connect", "build", "fund", "sign", "assemble", "broadcast"]);

    // what the chain says: the receipt, the transaction's sender, the balances and nonces
    const receipt = await anvil.rpc("eth_getTransactionReceipt", [evm.txHash]);
    expect(receipt.status).toBe("0x1");
    expect(getAddress(receipt.from)).toBe(address);
    expect(BigInt(receipt.blockNumber).toString()).toBe(evm.blockNumber);
    const tx = await anvil.rpc("eth_getTransactionByHash", [evm.txHash]);
    expect({ type: tx.type, chainId: Number(tx.chainId), to: getAddress(tx.to), value: BigInt(tx.value) }).toEqual({
      type: "0x2",
      chainId: CHAIN_ID,
      to: privateKeyToAddress(devKey),
      value: 1n,
    });
    expect(Number(await anvil.rpc("eth_getTransactionCount", [address, "latest"]))).toBe(1);
    const fund = await anvil.rpc("eth_getTransactionByHash", [evm.fundTxHash]);
    expect(getAddress(fund.from)).toBe(privateKeyToAddress(devKey));
    expect(BigInt(fund.value)).toBe(10n ** 16n);

    // the contract signed exactly the mined transaction's signing hash (after the sign test's own
    // random payload), for the tester, and the nodes answered both
    await nodes.idle();
    const mined = eip1559Transfer({
      chainId: Number(tx.chainId),
      nonce: Number(tx.nonce),
      to: tx.to,
      value: BigInt(tx.value),
      maxFeePerGas: BigInt(tx.maxFeePerGas),
      maxPriorityFeePerGas: BigInt(tx.maxPriorityFeePerGas),
    });
    expect(evm.signingHash).toBe(toHex(signingHash(mined)).slice(2));
    expect(nodes.signRequests.map((q) => [q.predecessor, q.domainId, q.request.payload, !!q.respondedBy])).toEqual([
      [TESTER, 0, { Ecdsa: r.requests[0].payload }, true],
      [TESTER, 0, { Ecdsa: evm.signingHash }, true],
    ]);
  });

  it("a second run tops nothing up and spends with the next nonce", async () => {
    await runOp(evmPayload());
    const r = await runOp(evmPayload());
    expect(r.evm).toMatchObject({ ok: true });
    expect(r.evm!.fundTxHash).toBeUndefined();
    expect(Number(await anvil.rpc("eth_getTransactionCount", [derivedAddress(), "latest"]))).toBe(2);
  });

  it("reports a chain with another chain id at the connect step and sends nothing", async () => {
    const r = await runOp(evmPayload({ chainId: 1 }));
    expect(r.ok).toBe(false);
    expect(r.evm).toMatchObject({
      ok: false,
      failedStep: "connect",
      detail: `connect: the EVM chain at ${anvil.url} has chain id ${CHAIN_ID}, expected 1`,
    });
    expect(await anvil.rpc("eth_blockNumber", [])).toBe("0x0");
  });
});

describe("signatures the chain rejects", () => {
  /** The contract's signature over `hash`, from the tester (created and funded by the first leg). */
  async function contractSignature(hash: Uint8Array): Promise<EcdsaSignResponse> {
    const conn = await connect(chain.url, { pollMs: 10 });
    const args = buildSignArgs({ path: PATH, domainId: 0, kind: "Ecdsa", payload: hash });
    const r = await sendTransaction(conn, { accountId: TESTER, keyPair: root }, CONTRACT, [
      actions.functionCall("sign", args, SIGN_GAS, SIGN_DEPOSIT_YOCTO),
    ]);
    return parseSignSuccessValue((r.outcome!.status as { SuccessValue: string }).SuccessValue) as EcdsaSignResponse;
  }

  it("a signature for another payload, or with the other y-parity, recovers to an unfunded address", async () => {
    expect((await runOp(evmPayload())).ok).toBe(true); // the tester exists, the address is funded
    const address = derivedAddress();
    const evm = await connectEvm(anvil.url, CHAIN_ID);
    const tx = await nextTransfer(evm, getAddress(address), privateKeyToAddress(devKey), 5n);
    const response = await contractSignature(signingHash(tx));
    const good = assembleSignedTransaction(tx, response);
    expect(await recoverSender(good)).toBe(address);

    const otherPayload = assembleSignedTransaction({ ...tx, value: 6n }, response);
    const otherParity = assembleSignedTransaction(tx, { ...response, recoveryId: 1 - response.recoveryId });
    for (const signed of [otherPayload, otherParity]) {
      const sender = await recoverSender(signed);
      expect(sender).not.toBe(address);
      expect(await anvil.rpc("eth_getBalance", [sender, "latest"])).toBe("0x0");
      await expect(anvil.rpc("eth_sendRawTransaction", [signed])).rejects.toThrow(
        "eth_sendRawTransaction: Insufficient funds for gas * price + value",
      );
    }
    // neither reached the derived address: its nonce is where the good one needs it
    expect(Number(await anvil.rpc("eth_getTransactionCount", [address, "latest"]))).toBe(1);
    // anvil answers eth_sendRawTransaction before its automine has written the block: wait for the receipt
    const mined = await sendAndWait(evm, good, 10_000);
    expect(mined).toMatchObject({ from: address, status: "success" });
    expect(Number(await anvil.rpc("eth_getTransactionCount", [address, "latest"]))).toBe(2);
  });
});
