// AWS's session-manager-plugin, the transport of an SSM port-forwarding session: `connect` calls
// StartSession itself and hands the answer to the plugin the way the AWS CLI does
// (aws/aws-cli awscli/customizations/sessionmanager.py, StartSessionCaller.invoke):
//   session-manager-plugin <response> <region> StartSession <profile> <request JSON> <endpoint URL>
// where <response> is the JSON {SessionId, TokenValue, StreamUrl}, or, for plugins newer than
// 1.2.497.0, the name of the environment variable AWS_SSM_START_SESSION_RESPONSE that holds it
// (which keeps the session token off the command line, where other users could read it).
import { spawn } from "node:child_process";

export const PLUGIN = "session-manager-plugin";
const RESPONSE_ENV = "AWS_SSM_START_SESSION_RESPONSE";
/** The last plugin version that takes the response only as an argument (the AWS CLI's own cut-off). */
const LAST_VERSION_WITHOUT_ENV = [1, 2, 497, 0];

const DOWNLOADS = "https://s3.amazonaws.com/session-manager-downloads/plugin/latest";

/** What to run when the plugin is missing (AWS Systems Manager User Guide, "Install the Session Manager plugin"). */
export const PLUGIN_INSTALL = [
  `${PLUGIN} is not installed; connect needs it (it carries SSM port-forwarding sessions). Install it:`,
  "  Linux (Debian, Ubuntu; x86_64):",
  `    curl -fsSLo session-manager-plugin.deb "${DOWNLOADS}/ubuntu_64bit/session-manager-plugin.deb"`,
  "    sudo dpkg -i session-manager-plugin.deb",
  "  Linux (Amazon Linux, RHEL, Fedora; x86_64):",
  `    sudo dnf install -y "${DOWNLOADS}/linux_64bit/session-manager-plugin.rpm"`,
  "    (arm64: ubuntu_arm64 / linux_arm64 in these URLs)",
  "  macOS:",
  "    brew install --cask session-manager-plugin",
  `    or: curl -fsSLo session-manager-plugin.pkg "${DOWNLOADS}/mac/session-manager-plugin.pkg"`,
  "        (mac_arm64 on Apple silicon) && sudo installer -pkg session-manager-plugin.pkg -target / &&",
  "        sudo ln -s /usr/local/sessionmanagerplugin/bin/session-manager-plugin /usr/local/bin/session-manager-plugin",
  "  Windows (PowerShell):",
  `    Invoke-WebRequest "${DOWNLOADS}/windows/SessionManagerPluginSetup.exe" -OutFile SessionManagerPluginSetup.exe`,
  "    .\\SessionManagerPluginSetup.exe",
  `Then check it with \`${PLUGIN} --version\` and run connect again.`,
].join("\n");

/** The plugin's version (`--version`), or undefined when it is not on PATH. */
export function pluginVersion(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  return new Promise((resolve) => {
    let out = "";
    const child = spawn(PLUGIN, ["--version"], { env, stdio: ["ignore", "pipe", "ignore"] });
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.once("error", () => resolve(undefined));
    child.once("close", (code) => resolve(code === 0 ? out.trim() : undefined));
  });
}

/** Whether the plugin reads the StartSession response from AWS_SSM_START_SESSION_RESPONSE. */
function takesResponseFromEnv(version: string): boolean {
  const v = version.replace(/\s+/g, "");
  if (!/^\d+(\.\d+){0,3}$/.test(v)) return false;
  const parts = v.split(".").map(Number);
  for (let i = 0; i < 4; i++) {
    const a = parts[i] ?? 0;
    const b = LAST_VERSION_WITHOUT_ENV[i];
    if (a !== b) return a > b;
  }
  return false;
}

export interface StartedSession {
  SessionId: string;
  TokenValue: string;
  StreamUrl: string;
}

/** The plugin's arguments and environment for one started session. */
export function pluginInvocation(o: {
  version: string;
  session: StartedSession;
  region: string;
  profile?: string;
  request: Record<string, unknown>;
  endpoint: string;
  env: NodeJS.ProcessEnv;
}): { args: string[]; env: NodeJS.ProcessEnv } {
  const response = JSON.stringify({
    SessionId: o.session.SessionId,
    TokenValue: o.session.TokenValue,
    StreamUrl: o.session.StreamUrl,
  });
  const viaEnv = takesResponseFromEnv(o.version);
  const args = [
    viaEnv ? RESPONSE_ENV : response,
    o.region,
    "StartSession",
    o.profile ?? "",
    JSON.stringify(o.request),
    o.endpoint,
  ];
  return { args, env: viaEnv ? { ...o.env, [RESPONSE_ENV]: response } : o.env };
}

/** The SSM endpoint the plugin talks to: AWS_ENDPOINT_URL_SSM when set (as the SDK reads it), else the region's. */
export function ssmEndpoint(region: string, env: NodeJS.ProcessEnv): string {
  const configured = env.AWS_ENDPOINT_URL_SSM ?? env.AWS_ENDPOINT_URL;
  if (configured) return configured;
  return `https://ssm.${region}.amazonaws.com${region.startsWith("cn-") ? ".cn" : ""}`;
}
