/* global process */
// Stand-in for AWS's session-manager-plugin in tests. Takes the arguments the AWS CLI passes
// (aws-cli awscli/customizations/sessionmanager.py): the StartSession response, or the name of
// the environment variable holding it; the region; "StartSession"; the profile; the StartSession
// request as JSON; the SSM endpoint. It really forwards 127.0.0.1:<localPortNumber> to the
// loopback port FAKE_PLUGIN_TARGETS maps "<Target>:<portNumber>" to, until SIGTERM, and records
// each start as a JSON line in FAKE_PLUGIN_LOG.
import { appendFileSync } from "node:fs";
import net from "node:net";

const [first, region, operation, profile, requestJson, endpoint] = process.argv.slice(2);
if (first === "--version") {
  process.stdout.write(`${process.env.FAKE_PLUGIN_VERSION ?? "1.2.707.0"}\n`);
  process.exit(0);
}
const viaEnv = first in process.env;
const response = JSON.parse(viaEnv ? process.env[first] : first);
const request = JSON.parse(requestJson);
const remotePort = request.Parameters?.portNumber?.[0];
const localPort = Number(request.Parameters?.localPortNumber?.[0]);
const to = JSON.parse(process.env.FAKE_PLUGIN_TARGETS ?? "{}")[`${request.Target}:${remotePort}`];
appendFileSync(
  process.env.FAKE_PLUGIN_LOG,
  `${JSON.stringify({
    pid: process.pid,
    argv: process.argv.slice(2),
    viaEnv,
    sessionId: response.SessionId,
    token: response.TokenValue,
    streamUrl: response.StreamUrl,
    region,
    operation,
    profile,
    endpoint,
    request,
  })}\n`,
);
if (operation !== "StartSession" || !response.TokenValue || !response.StreamUrl || to === undefined) {
  process.stderr.write(`fake plugin: cannot serve ${request.Target}:${remotePort}\n`);
  process.exit(1);
}
process.stdout.write(`Starting session with SessionId: ${response.SessionId}\n`);
const server = net.createServer((c) => {
  const upstream = net.connect(to, "127.0.0.1");
  c.pipe(upstream).pipe(c);
  c.on("error", () => upstream.destroy());
  upstream.on("error", () => c.destroy());
});
server.on("error", (err) => {
  process.stderr.write(`fake plugin: ${err.message}\n`);
  process.exit(1);
});
server.listen(localPort, "127.0.0.1", () => {
  process.stdout.write(`Port ${localPort} opened for sessionId ${response.SessionId}.\nWaiting for connections...\n`);
});
process.on("SIGTERM", () => process.exit(0));
