// Guest memory and registers, as nearcore's VMLogic reads and writes them
// (runtime/near-vm-runner/src/logic/{logic.rs,vmstate.rs}): u64 pointers and lengths, u128 little-endian,
// a length of u64::MAX meaning "the register whose id is the pointer" (or, for strings, NUL-terminated).
import { hostErrors } from "./errors.js";

const U64_MAX = 0xffff_ffff_ffff_ffffn;

const utf8 = new TextDecoder("utf-8", { fatal: true });

export class Registers {
  private readonly map = new Map<bigint, Uint8Array>();

  set(id: bigint, data: Uint8Array): void {
    this.map.set(id, Uint8Array.from(data));
  }

  get(id: bigint): Uint8Array {
    const data = this.map.get(id);
    if (!data) throw hostErrors.invalidRegister(id);
    return data;
  }

  /** The register's length, u64::MAX when it is unused. */
  len(id: bigint): bigint {
    const data = this.map.get(id);
    return data ? BigInt(data.length) : U64_MAX;
  }
}

export class Memory {
  private memory?: WebAssembly.Memory;

  constructor(readonly registers: Registers) {}

  attach(memory: WebAssembly.Memory): void {
    this.memory = memory;
  }

  /** The bytes view (taken anew each time: growing the memory detaches the old buffer). */
  private bytes(): Uint8Array {
    if (!this.memory) throw hostErrors.memoryAccess();
    return new Uint8Array(this.memory.buffer);
  }

  private range(ptr: bigint, len: bigint): [number, number] {
    const size = BigInt(this.bytes().length);
    if (ptr < 0n || len < 0n || ptr + len > size) throw hostErrors.memoryAccess();
    return [Number(ptr), Number(ptr + len)];
  }

  read(ptr: bigint, len: bigint): Uint8Array {
    const [a, b] = this.range(ptr, len);
    return this.bytes().slice(a, b);
  }

  write(ptr: bigint, data: Uint8Array): void {
    const [a] = this.range(ptr, BigInt(data.length));
    this.bytes().set(data, a);
  }

  /** nearcore's get_memory_or_register: len u64::MAX reads register `ptr`. */
  readOrRegister(ptr: bigint, len: bigint): Uint8Array {
    return len === U64_MAX ? this.registers.get(ptr) : this.read(ptr, len);
  }

  readU128(ptr: bigint): bigint {
    const b = this.read(ptr, 16n);
    let v = 0n;
    for (let i = 15; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    return v;
  }

  writeU128(ptr: bigint, value: bigint): void {
    const b = new Uint8Array(16);
    for (let i = 0; i < 16; i++) b[i] = Number((value >> BigInt(8 * i)) & 0xffn);
    this.write(ptr, b);
  }

  readU32(ptr: bigint): number {
    return Buffer.from(this.read(ptr, 4n)).readUInt32LE(0);
  }

  /** A UTF-8 string; len u64::MAX: NUL-terminated. */
  utf8(len: bigint, ptr: bigint): string {
    let bytes: Uint8Array;
    if (len === U64_MAX) {
      const mem = this.bytes();
      let end = Number(ptr);
      if (ptr < 0n || end >= mem.length) throw hostErrors.memoryAccess();
      while (mem[end] !== 0) if (++end >= mem.length) throw hostErrors.memoryAccess();
      bytes = mem.slice(Number(ptr), end);
    } else {
      bytes = this.read(ptr, len);
    }
    try {
      return utf8.decode(bytes);
    } catch {
      throw hostErrors.badUtf8();
    }
  }

  /** A UTF-16LE string; len u64::MAX: terminated by a NUL code unit. */
  utf16(len: bigint, ptr: bigint): string {
    let n = len;
    if (len === U64_MAX) {
      n = 0n;
      while (this.read(ptr + n, 2n).some((b) => b !== 0)) n += 2n;
    }
    if (n % 2n !== 0n) throw hostErrors.badUtf16();
    const bytes = this.read(ptr, n);
    const units: number[] = [];
    for (let i = 0; i < bytes.length; i += 2) units.push(bytes[i] | (bytes[i + 1] << 8));
    for (let i = 0; i < units.length; i++) {
      const u = units[i];
      const high = u >= 0xd800 && u < 0xdc00;
      const low = u >= 0xdc00 && u < 0xe000;
      if (low || (high && !(units[i + 1] >= 0xdc00 && units[i + 1] < 0xe000))) throw hostErrors.badUtf16();
      if (high) i++;
    }
    return String.fromCharCode(...units);
  }
}
