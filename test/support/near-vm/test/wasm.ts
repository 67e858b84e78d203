/**
 * A tiny WebAssembly assembler for the runtime's tests: modules whose exported methods call host
 * functions with given arguments, to check one host function at a time.
 *
 *   const code = wasm({
 *     imports: { register_len: [["i64"], ["i64"]], value_return: [["i64", "i64"], []] },
 *     data: [[64, "key"]],
 *     methods: { m: [i32(0), i64(5), call("register_len"), i64store(), i64(8), i64(0), call("value_return")] },
 *   });
 */
type ValType = "i32" | "i64";
type Op = number | { call: string };

const TYPE: Record<ValType, number> = { i32: 0x7f, i64: 0x7e };

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(v: bigint): number[] {
  const out: number[] = [];
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    const done = (v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0);
    out.push(done ? b : b | 0x80);
    if (done) return out;
  }
}

const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const name = (s: string) => [...uleb(Buffer.byteLength(s)), ...Buffer.from(s)];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];

export const i32 = (n: number): Op[] => [0x41, ...sleb(BigInt(n))];
/** An i64 constant; u64 values above i64::MAX (u64::MAX) are written as their two's complement. */
export const i64 = (n: bigint | number): Op[] => [0x42, ...sleb(BigInt.asIntN(64, BigInt(n)))];
export const call = (fn: string): Op[] => [{ call: fn }];
export const drop: Op[] = [0x1a];
/** i64.store at the i32 address below the value on the stack. */
export const i64store: Op[] = [0x37, 0x03, 0x00];
/** `if` (condition: i64 == 1) ... `else` ... `end`. */
export const ifOne = (then: Op[][], otherwise: Op[][] = []): Op[] => [
  ...i64(1),
  0x51, // i64.eq
  0x04,
  0x40,
  ...then.flat(),
  ...(otherwise.length ? [0x05, ...otherwise.flat()] : []),
  0x0b,
];
export const unreachable: Op[] = [0x00];

export interface WasmSpec {
  imports: Record<string, [ValType[], ValType[]]>;
  /** [offset, bytes or text] data segments in the module's memory. */
  data?: [number, Uint8Array | string][];
  /** Exported methods (no params, no results): their instructions. */
  methods: Record<string, Op[][]>;
}

export function wasm(spec: WasmSpec): Uint8Array {
  const imports = Object.entries(spec.imports);
  const importIndex = new Map(imports.map(([n], i) => [n, i]));
  const types = [...imports.map(([, t]) => t), [[], []] as [ValType[], ValType[]]];
  const typeSection = vec(
    types.map(([p, r]) => [0x60, ...vec(p.map((t) => [TYPE[t]])), ...vec(r.map((t) => [TYPE[t]]))]),
  );
  const importSection = vec(imports.map(([n], i) => [...name("env"), ...name(n), 0x00, ...uleb(i)]));
  const methods = Object.entries(spec.methods);
  const voidType = types.length - 1;
  const code = methods.map(([, ops]) => {
    const body = ops.flat().flatMap((op) => {
      if (typeof op === "number") return [op];
      const idx = importIndex.get(op.call);
      if (idx === undefined) throw new Error(`wasm: ${op.call} is not imported`);
      return [0x10, ...uleb(idx)];
    });
    const fn = [0x00, ...body, 0x0b]; // no locals
    return [...uleb(fn.length), ...fn];
  });
  const exportsSection = vec([
    [...name("memory"), 0x02, 0x00],
    ...methods.map(([n], i) => [...name(n), 0x00, ...uleb(imports.length + i)]),
  ]);
  const data = (spec.data ?? []).map(([offset, bytes]) => {
    const b = typeof bytes === "string" ? [...Buffer.from(bytes)] : [...bytes];
    return [0x00, ...(i32(offset) as number[]), 0x0b, ...uleb(b.length), ...b];
  });
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, typeSection),
    ...section(2, importSection),
    ...section(3, vec(methods.map(() => uleb(voidType)))),
    ...section(5, vec([[0x00, ...uleb(1)]])),
    ...section(7, exportsSection),
    ...section(10, vec(code)),
    ...section(11, vec(data)),
  ]);
}
