// Runs components under Pulumi's mock runtime (automation/mocks.ts) with a given config and
// gives tests the recorded resources and resolved outputs.
import * as pulumi from "@pulumi/pulumi";
import { installMocks, settle, type CommandResults, type RecordedResource } from "../../automation/mocks.js";
import { loadConfig, type LocalnetConfig } from "../../layers/config.js";

export interface Harness {
  cfg: LocalnetConfig;
  records: RecordedResource[];
  settle: () => Promise<void>;
  byType: (type: string) => RecordedResource[];
  one: (type: string, name?: string) => RecordedResource;
}

/** What installMocks takes besides the project, stack, region and command results. */
type MockOptions = Pick<Parameters<typeof installMocks>[0], "existing" | "calls">;

export function harness(
  config: Record<string, string>,
  stack = "localnet",
  commandResults?: CommandResults,
  mocks: MockOptions = {},
): Harness {
  const full: Record<string, string> = { "aws:region": "us-east-1", ...config };
  pulumi.runtime.setAllConfig(full);
  const records = installMocks({
    project: "near-localnet",
    stack,
    region: full["aws:region"],
    commandResults,
    ...mocks,
  });
  const cfg = loadConfig((k) => full[k], stack);
  const byType = (type: string) => records.filter((r) => r.type === type);
  return {
    cfg,
    records,
    settle,
    byType,
    one: (type, name) => {
      const found = byType(type).filter((r) => name === undefined || r.name === name);
      if (found.length !== 1)
        throw new Error(
          `expected one ${type}${name ? ` named ${name}` : ""}, found ${found.length}: ${found.map((r) => r.name).join(", ")}`,
        );
      return found[0];
    },
  };
}

export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => resolve(v)));
}
