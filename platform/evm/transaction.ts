// An EIP-1559 transaction signed by the signer contract: what a dApp does to spend from the
// Ethereum address a NEAR account controls. viem does the transaction encoding, RLP, hashing and
// recovery; this module only maps the contract's answer onto viem's signature:
//   r        = big_r.affine_point without its SEC1 prefix byte (the x coordinate of R)
//   s        = s.scalar (the contract returns low-s: crates/contract verifies with ecrecover in low-s mode)
//   yParity  = recovery_id (near/mpc 3.14.1 returns 0 or 1; 2 and 3 would need an x >= n, never seen)
// The payload the contract signs is the transaction's signing hash itself,
// keccak256(0x02 || rlp([chainId, nonce, maxPriorityFeePerGas, maxFeePerGas, gas, to, value, data, accessList]))
// (EIP-1559), passed as payload_v2.Ecdsa: the contract does not hash it again.
import {
  getAddress,
  keccak256,
  recoverTransactionAddress,
  serializeTransaction,
  toHex,
  type Address,
  type TransactionSerializableEIP1559,
  type TransactionSerializedEIP1559,
} from "viem";
import type { EcdsaSignResponse } from "../chainsig/response.js";

/** Gas of a plain value transfer to an account without code (Ethereum yellow paper, G_transaction). */
const TRANSFER_GAS = 21_000n;

export interface TransferFields {
  chainId: number;
  nonce: number;
  to: Address;
  value: bigint;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

export type UnsignedTransfer = TransactionSerializableEIP1559;

/** An EIP-1559 value transfer with no data. */
export function eip1559Transfer(f: TransferFields): UnsignedTransfer {
  return {
    type: "eip1559",
    chainId: f.chainId,
    nonce: f.nonce,
    to: getAddress(f.to),
    value: f.value,
    gas: TRANSFER_GAS,
    maxFeePerGas: f.maxFeePerGas,
    maxPriorityFeePerGas: f.maxPriorityFeePerGas,
  };
}

/** The 32 bytes to ask the signer contract to sign: keccak-256 of the unsigned serialisation. */
export function signingHash(tx: UnsignedTransfer): Uint8Array {
  return keccak256(serializeTransaction(tx), "bytes");
}

/** The signed transaction (0x02-prefixed RLP, ready for eth_sendRawTransaction) from the contract's answer. */
export function assembleSignedTransaction(
  tx: UnsignedTransfer,
  response: EcdsaSignResponse,
): TransactionSerializedEIP1559 {
  if (response.recoveryId > 1) {
    throw new Error(`recovery_id ${response.recoveryId} has no EIP-1559 y-parity (only 0 and 1 do)`);
  }
  return serializeTransaction(tx, {
    r: toHex(response.bigR.subarray(1)),
    s: toHex(response.s),
    yParity: response.recoveryId,
  });
}

/** The address a signed transaction's signature recovers to: the sender the chain will charge. */
export async function recoverSender(signed: TransactionSerializedEIP1559): Promise<Address> {
  return getAddress(await recoverTransactionAddress({ serializedTransaction: signed }));
}
