// `synth`: the program run offline under the mock runtime (../synth.ts, loaded when it runs).
import { defineCommand } from "./context.js";

export const synthCommand = defineCommand({
  command: "synth",
  describe: "Run the program offline under the mock runtime and write DIR/<stack>.json and DIR/scripts/",
  builder: (y) => y.option("out", { type: "string", demandOption: true, describe: "output directory" }),
  run: async (a) => {
    const { runSynth } = await import("../synth.js");
    return runSynth({ stack: a.stack, out: a.out });
  },
});
