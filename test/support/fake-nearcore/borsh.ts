// A signed transaction decoded straight from its borsh bytes (nearcore core/primitives
// transaction.rs, action.rs; the layout near-api-js 7 writes: TransactionV0 then Signature). Byte
// strings are sliced, not read byte by byte as the generic borsh decoder does: deploys of real
// contracts carry hundreds of kilobytes.
import { PublicKey, baseEncode } from "near-api-js";
import type { AccessKeyPermission, VmAction } from "../near-vm/index.js";

export interface DecodedTx {
  signerId: string;
  publicKey: PublicKey;
  nonce: bigint;
  receiverId: string;
  blockHash: Uint8Array;
  actions: VmAction[];
  signature: { keyType: "ed25519" | "secp256k1"; data: Uint8Array };
  /** The borsh(Transaction) part: its sha256 is the transaction hash. */
  txBytes: Uint8Array;
}

class Reader {
  private at = 0;
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get offset(): number {
    return this.at;
  }

  fixed(n: number): Uint8Array {
    if (this.at + n > this.bytes.length) throw new Error("unexpected end of input");
    const out = this.bytes.slice(this.at, this.at + n);
    this.at += n;
    return out;
  }

  u8(): number {
    return this.fixed(1)[0];
  }

  u32(): number {
    const v = this.view.getUint32(this.at, true);
    this.fixed(4);
    return v;
  }

  u64(): bigint {
    const v = this.view.getBigUint64(this.at, true);
    this.fixed(8);
    return v;
  }

  u128(): bigint {
    const lo = this.u64();
    return (this.u64() << 64n) | lo;
  }

  bytesVec(): Uint8Array {
    return this.fixed(this.u32());
  }

  string(): string {
    return Buffer.from(this.bytesVec()).toString("utf8");
  }

  publicKey(): string {
    const type = this.u8();
    if (type === 0) return `ed25519:${baseEncode(this.fixed(32))}`;
    if (type === 1) return `secp256k1:${baseEncode(this.fixed(64))}`;
    throw new Error(`unknown key type ${type}`);
  }
}

function permission(r: Reader): AccessKeyPermission {
  if (r.u8() === 1) return "FullAccess";
  const allowance = r.u8() === 1 ? r.u128().toString() : null;
  const receiverId = r.string();
  const names = Array.from({ length: r.u32() }, () => r.string());
  return { FunctionCall: { allowance, receiver_id: receiverId, method_names: names } };
}

const ACTIONS: Record<number, (r: Reader) => VmAction> = {
  0: () => ({ type: "CreateAccount" }),
  1: (r) => ({ type: "DeployContract", code: r.bytesVec() }),
  2: (r) => {
    const methodName = r.string();
    const args = r.bytesVec();
    const gas = r.u64();
    return { type: "FunctionCall", methodName, args, gas, deposit: r.u128(), gasWeight: 0n };
  },
  3: (r) => ({ type: "Transfer", deposit: r.u128() }),
  4: (r) => {
    const stake = r.u128();
    return { type: "Stake", stake, publicKey: r.publicKey() };
  },
  5: (r) => {
    const publicKey = r.publicKey();
    const nonce = r.u64();
    return { type: "AddKey", publicKey, nonce, permission: permission(r) };
  },
  6: (r) => ({ type: "DeleteKey", publicKey: r.publicKey() }),
  7: (r) => ({ type: "DeleteAccount", beneficiaryId: r.string() }),
};

function action(r: Reader): VmAction {
  const tag = r.u8();
  const decode = ACTIONS[tag];
  // 8 Delegate, 9 DeployGlobalContract, 10 UseGlobalContract, ...: nothing here sends them
  if (!decode) throw new Error(`action ${tag} is not supported by fake-nearcore`);
  return decode(r);
}

export function decodeSignedTx(bytes: Uint8Array): DecodedTx {
  const r = new Reader(bytes);
  const signerId = r.string();
  const publicKey = PublicKey.from(r.publicKey());
  const nonce = r.u64();
  const receiverId = r.string();
  const blockHash = r.fixed(32);
  const actions = Array.from({ length: r.u32() }, () => action(r));
  const txBytes = bytes.slice(0, r.offset);
  const sigType = r.u8();
  if (sigType > 1) throw new Error(`unknown signature type ${sigType}`);
  const signature = {
    keyType: sigType === 0 ? "ed25519" : "secp256k1",
    data: r.fixed(sigType === 0 ? 64 : 65),
  } as const;
  if (r.offset !== bytes.length) throw new Error(`${bytes.length - r.offset} trailing bytes`);
  return { signerId, publicKey, nonce, receiverId, blockHash, actions, signature, txBytes };
}
