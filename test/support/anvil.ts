/**
 * anvil: a REAL Foundry anvil (the pinned @foundry-rs/anvil devDependency's binary, from its
 * platform package) on loopback, on a port the OS picks (--port 0; the port is read from its
 * "Listening on" line), with no dev accounts (--accounts 0: nothing unlocked) and automine.
 *
 *   const anvil = await startAnvil({ chainId: 31337 });
 *   anvil.url; await anvil.rpc("anvil_setBalance", [address, "0x..."]); await anvil.stop();
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export interface Anvil {
  url: string;
  chainId: number;
  rpc(method: string, params: unknown[]): Promise<any>;
  stop(): Promise<void>;
}

/** The platform package's binary (what @foundry-rs/anvil's bin.mjs would start). */
function anvilBinary(): string {
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  const pkg = `@foundry-rs/anvil-${process.platform}-${arch}`;
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve(`${pkg}/package.json`)), "bin", "anvil");
}

export async function startAnvil(opts: { chainId: number; extraArgs?: string[] }): Promise<Anvil> {
  const args = ["--host", "127.0.0.1", "--port", "0", "--accounts", "0", "--chain-id", String(opts.chainId)];
  const child: ChildProcess = spawn(anvilBinary(), [...args, ...(opts.extraArgs ?? [])], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => reject(new Error(`anvil did not listen within 10s: ${text.slice(-500)}`)), 10_000);
    const onData = (chunk: Buffer) => {
      text += chunk.toString("utf8");
      const m = /Listening on (127\.0\.0\.1:\d+)/.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(`http://${m[1]}`);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`anvil exited with ${code}: ${text.slice(-500)}`));
    });
  });
  let id = 0;
  return {
    url,
    chainId: opts.chainId,
    async rpc(method, params) {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }),
      });
      const body = (await res.json()) as { result?: unknown; error?: { message: string } };
      if (body.error) throw new Error(`${method}: ${body.error.message}`);
      return body.result;
    },
    async stop() {
      if (child.exitCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}
