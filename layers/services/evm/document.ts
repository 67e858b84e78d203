// The SSM Command document that starts the destination chain on the base host: the start script
// (scripts/evm-start.sh) with its settings rendered in, so that a change of version, chain id,
// port or block time is a new document version, which the association runs again. It takes no
// parameters: nothing can be injected through it, and it holds no secret (the dev account's
// address only).
import { renderScript, shippedScript } from "../../../platform/host/render.js";
import type { CommandDocumentContent } from "../../../platform/ssm/documents.js";
import { ANVIL_ARTIFACT, integritySha512Hex } from "./artifact.js";
import type { EvmConfig } from "./config.js";

export const EVM_START_SCRIPT = shippedScript("evm/evm-start.sh", import.meta.url, "scripts/evm-start.sh");

const WEI_PER_ETHER = 10n ** 18n;

/** The start script's settings (environment variables of scripts/evm-start.sh). */
function evmStartSettings(evm: EvmConfig, devAddress: string): Record<string, string | number> {
  return {
    ANVIL_VERSION: ANVIL_ARTIFACT.version,
    ANVIL_TARBALL: ANVIL_ARTIFACT.tarball,
    ANVIL_SHA512: integritySha512Hex(ANVIL_ARTIFACT.integrity),
    ANVIL_ENTRY: ANVIL_ARTIFACT.entry,
    EVM_CHAIN_ID: evm.chainId,
    EVM_PORT: evm.port,
    EVM_BLOCK_TIME: evm.blockTimeSeconds,
    DEV_ADDRESS: devAddress,
    DEV_BALANCE_HEX: `0x${(BigInt(evm.devBalanceEther) * WEI_PER_ETHER).toString(16)}`,
  };
}

export function evmStartDocumentContent(evm: EvmConfig, devAddress: string): CommandDocumentContent {
  const text = renderScript({ script: EVM_START_SCRIPT, env: evmStartSettings(evm, devAddress) });
  if (text.includes("{{")) throw new Error(`${EVM_START_SCRIPT.name} contains "{{", which SSM reads as a parameter`);
  return {
    schemaVersion: "2.2",
    description: `near-localnet: start the destination EVM chain (anvil ${ANVIL_ARTIFACT.version}, chain id ${evm.chainId}) on this host.`,
    parameters: {},
    mainSteps: [
      {
        action: "aws:runShellScript",
        name: "evmStart",
        precondition: { StringEquals: ["platformType", "Linux"] },
        inputs: { timeoutSeconds: "600", runCommand: text.replace(/\n$/, "").split("\n") },
      },
    ],
  };
}
