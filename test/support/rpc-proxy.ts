/**
 * rpc-proxy: a loopback JSON-RPC proxy in front of a NEAR RPC (fake-nearcore) that can rewrite
 * answers: for tests of what a client does with a node that answers wrongly (a derived key the
 * contract never computed, a sign result the contract never returned). Everything it does not
 * rewrite passes through unchanged.
 *
 *   const proxy = await RpcProxy.start(chain.url, (req, res) => {
 *     if (viewMethod(req) === "derived_public_key") return withViewResult(res, "ed25519:...");
 *     return res;                                   // unchanged
 *   });
 *   ... rpcUrl: proxy.url ...
 *   await proxy.close();
 */
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";

type Json = any;
export type Rewrite = (request: Json, response: Json) => Json;

export class RpcProxy {
  url = "";
  private server!: http.Server;
  private readonly sockets = new Set<Socket>();
  private rewriteError?: unknown;

  private constructor(
    private readonly target: string,
    private readonly rewrite: Rewrite,
  ) {}

  static async start(target: string, rewrite: Rewrite): Promise<RpcProxy> {
    const p = new RpcProxy(target, rewrite);
    p.server = http.createServer((req, res) => void p.handle(req, res));
    p.server.on("connection", (s) => {
      p.sockets.add(s);
      s.on("close", () => p.sockets.delete(s));
    });
    await new Promise<void>((resolve) => p.server.listen(0, "127.0.0.1", resolve));
    p.url = `http://127.0.0.1:${(p.server.address() as AddressInfo).port}`;
    return p;
  }

  /** Stops the proxy; rethrows the first error of the rewrite function (a bug in the test). */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (this.rewriteError) throw this.rewriteError;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    let upstream: Response;
    try {
      upstream = await fetch(`${this.target}${req.url ?? "/"}`, {
        method: req.method,
        headers: { "content-type": "application/json" },
        body: req.method === "POST" ? body : undefined,
      });
    } catch {
      return void res.socket?.destroy(); // the upstream is gone: look like it to the client
    }
    let text = await upstream.text();
    try {
      if (req.method === "POST") text = JSON.stringify(this.rewrite(JSON.parse(body), JSON.parse(text)));
    } catch (e) {
      this.rewriteError ??= e;
      return void res.writeHead(500).end(String(e));
    }
    res.writeHead(upstream.status, { "content-type": "application/json" }).end(text);
  }
}

/** The contract method of a `query` call_function request, else undefined. */
export function viewMethod(request: Json): string | undefined {
  const p = request?.params;
  return request?.method === "query" && p?.request_type === "call_function" ? p.method_name : undefined;
}

/** A call_function answer with its result replaced by the JSON of `value`. */
export function withViewResult(response: Json, value: unknown): Json {
  if (!response?.result?.result) return response;
  return { ...response, result: { ...response.result, result: [...Buffer.from(JSON.stringify(value))] } };
}
