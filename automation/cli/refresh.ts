// `refresh`: reads the real state of a layer's resources (or of the whole stack) into the state;
// `--clear-pending-creates` also drops the pending creates an interrupted update left behind.
import { EXIT } from "../driver.js";
import type { Engine, PendingOperation } from "../engine.js";
import { layer, type LayerId } from "../../layers/registry.js";
import { layerSelection, selects, stateSelection, type LayerSelection } from "../layers.js";
import { defineCommand, type CliContext } from "./context.js";
import { layerOption, withEngine } from "./stack.js";

export const refreshCommand = defineCommand({
  command: "refresh",
  describe: "Read the real state of a layer's resources (or the whole stack) into the state",
  builder: (y) =>
    y.option("layer", layerOption()).option("clear-pending-creates", {
      type: "boolean",
      default: false,
      describe: "drop pending creates left by an interrupted update",
    }),
  run: (a, ctx) =>
    withEngine(ctx, a.stack, false, async (engine) => {
      const sel = a.layer ? await deployedSelection(ctx, engine, a.layer) : {};
      if (!sel) return EXIT.ok;
      const clear = a["clear-pending-creates"];
      if (clear && !(await announcePendingCreates(ctx, engine, sel, a.layer, a.stack))) return EXIT.failed;
      const r = await engine.refresh({ ...sel, clearPendingCreates: clear, onOutput: (l) => ctx.out.stderr(l) });
      ctx.out.stdout(`refreshed: ${JSON.stringify(r.changes)}`);
      return EXIT.ok;
    }),
});

/** The layer's resources as the state holds them; undefined (reported) when the state holds none. */
async function deployedSelection(ctx: CliContext, engine: Engine, id: LayerId): Promise<LayerSelection | undefined> {
  // from the state: Pulumi refuses literal targets/excludes the state does not hold
  const fromState = engine.resources
    ? stateSelection(engine.stack, id, await engine.resources())
    : layerSelection(engine.stack, id);
  if (!fromState) {
    const what = `Layer ${layer(id).index} (${id})`;
    ctx.out.stderr(`${what} is not deployed: the state holds nothing of it, nothing to refresh.`);
    return undefined;
  }
  return fromState;
}

/**
 * Lists the pending creates that clearing drops; false (reported) when a layer was named and some
 * lie outside it, since Pulumi drops the pending creates of the WHOLE stack, whatever the targets.
 */
async function announcePendingCreates(
  ctx: CliContext,
  engine: Engine,
  sel: LayerSelection,
  id: LayerId | undefined,
  stack: string,
): Promise<boolean> {
  const pending = (engine.pendingOperations ? await engine.pendingOperations() : []).filter((p) => p.op === "creating");
  const outside = pending.filter((p) => !selects(sel, p.urn));
  const list = (ps: PendingOperation[]) => ps.map((p) => `  ${p.urn} (${p.id ? `id ${p.id}` : "no id recorded"})`);
  if (id && outside.length) {
    ctx.out.stderr(
      `error: not clearing pending creates: clearing is stack-wide, and ${outside.length} of the ${pending.length} ` +
        `pending create(s) lie outside Layer ${layer(id).index} (${id}):`,
    );
    for (const l of list(outside)) ctx.out.stderr(l);
    const s = stack === "localnet" ? "" : ` --stack ${stack}`;
    ctx.out.stderr(
      "Check in AWS whether each exists (delete it, or import it), then clear every pending create of the stack " +
        `deliberately: \`npm run automate -- refresh --clear-pending-creates${s}\`. Nothing was run.`,
    );
    return false;
  }
  if (pending.length) {
    ctx.out.stderr(
      `clearing ${pending.length} pending create(s); if any of these exists in AWS, it is no longer tracked ` +
        "(delete or import it):",
    );
    for (const l of list(pending)) ctx.out.stderr(l);
  }
  return true;
}
