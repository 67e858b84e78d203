/**
 * A loopback HTTP server serving fixed byte blobs (e.g. stand-in wasm files for pinned URLs),
 * counting hits per path.
 *   const files = await StaticServer.start({ "/w_near.wasm": bytes });
 *   files.url("/w_near.wasm"); files.hits("/w_near.wasm"); await files.close();
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createHash, randomBytes } from "node:crypto";

export class StaticServer {
  private constructor(
    private readonly server: http.Server,
    readonly base: string,
    private readonly counts: Map<string, number>,
  ) {}

  static async start(files: Record<string, Uint8Array>): Promise<StaticServer> {
    const counts = new Map<string, number>();
    const server = http.createServer((req, res) => {
      const p = (req.url ?? "/").split("?")[0];
      counts.set(p, (counts.get(p) ?? 0) + 1);
      const body = files[p];
      if (!body) return void res.writeHead(404).end("not found");
      res.writeHead(200, { "content-type": "application/wasm", "content-length": body.length }).end(Buffer.from(body));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return new StaticServer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, counts);
  }

  url(p: string): string {
    return `${this.base}${p}`;
  }

  hits(p: string): number {
    return this.counts.get(p) ?? 0;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** Bytes that start like a wasm module, of the given size, with their sha256 hex. */
export function fakeWasm(size: number): { bytes: Uint8Array; sha256: string; size: number } {
  const bytes = new Uint8Array(size);
  bytes.set([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  bytes.set(randomBytes(Math.max(0, size - 8)), 8);
  return { bytes, sha256: createHash("sha256").update(bytes).digest("hex"), size };
}
