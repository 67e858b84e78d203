// ESLint flat config: the recommended JavaScript and typescript-eslint rules, and import rules that hold the
// architecture (platform below the layers, each layer below the next, an ops bundle without Pulumi or AWS
// provider code, product code without test code). Formatting is prettier's (`npm run format`).
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { URL } from "node:url";
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import importX, { createNodeResolver } from "eslint-plugin-import-x";
import tseslint from "typescript-eslint";

/**
 * Layer folders, lowest first: a layer may import a lower one (through its public modules), never a higher one.
 * Read from each folder's `layer.ts` (its `index`), so the layers' own entries stay the one list.
 */
const LAYERS = readdirSync(new URL("layers/", import.meta.url), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(new URL(`layers/${d.name}/layer.ts`, import.meta.url)))
  .map((d) => {
    const text = readFileSync(new URL(`layers/${d.name}/layer.ts`, import.meta.url), "utf8");
    const index = /^\s*index:\s*(\d+),/m.exec(text);
    if (!index) throw new Error(`layers/${d.name}/layer.ts declares no index`);
    return { name: d.name, index: Number(index[1]) };
  })
  .sort((a, b) => a.index - b.index)
  .map((l) => l.name);
/** What a layer shows the layers above it; the rest (ops/, scripts/, test/, ...) is its own. */
const LAYER_PUBLIC_MODULES = ["component.ts", "outputs.ts", "config.ts", "gate.ts", "index.ts", "layer.ts"];
/** What esbuild bundles into the ops entry (ops/build.ts): it runs on the hosts, where Pulumi is not. */
const OPS_BUNDLE = ["ops/**", "layers/*/ops/**", "platform/near/**", "platform/chainsig/**", "platform/evm/**"];

// Zones of import-x/no-restricted-paths: files matching `target` may not import files in `from` (paths from the
// repository root; a zone's `from` is either all globs or all plain paths, and plain `except` paths are relative
// to their `from`).
const layerZones = LAYERS.flatMap((layer, i) => [
  ...LAYERS.slice(i + 1).map((higher) => ({
    target: `layers/${layer}/**`,
    from: `layers/${higher}`,
    message: `Layer ${layer} must not import the higher layer ${higher}.`,
  })),
  ...LAYERS.slice(0, i).map((lower) => ({
    target: `layers/${layer}/**`,
    from: `layers/${lower}`,
    except: LAYER_PUBLIC_MODULES,
    message: `Layer ${layer} imports layer ${lower} only through ${LAYER_PUBLIC_MODULES.join(", ")}.`,
  })),
]);

const architectureZones = [
  {
    target: "platform/**",
    from: ["layers", "automation", "ops/main.ts", "index.ts"],
    message: "The platform serves the layers, the driver and the programs; it imports none of them.",
  },
  ...layerZones,
  {
    target: OPS_BUNDLE,
    from: "platform/host",
    message: "The ops bundle must not contain Pulumi resource code (platform/host).",
  },
  {
    target: OPS_BUNDLE,
    from: "layers/*/component.ts",
    message: "The ops bundle must not contain Pulumi components (layers/*/component.ts).",
  },
];

const productZones = [
  {
    target: "**",
    from: "**/test/**",
    message: "Product code must not import test code.",
  },
];

const restrictedPaths = (zones) => ["error", { zones, basePath: import.meta.dirname }];

export default defineConfig(
  {
    ignores: ["node_modules/", "dist/", "out/", "coverage/", ".pulumi/", ".pulumi-state/", "**/fixtures/**"],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: "error" },
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      // Untyped JSON (RPC results, SDK and Pulumi mock payloads, fakes) is typed `any` where it is read, on purpose.
      "@typescript-eslint/no-explicit-any": "off",
      // `_name` marks a parameter an interface requires; `{ omitted: _x, ...rest }` drops a field from a copy.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", ignoreRestSiblings: true }],
    },
  },
  {
    files: ["**/*.ts"],
    plugins: { "import-x": importX },
    settings: {
      // Imports name the emitted .js file (NodeNext); the source next to it is the .ts file.
      "import-x/resolver-next": [
        createNodeResolver({ extensions: [".ts", ".js", ".json"], extensionAlias: { ".js": [".ts", ".js"] } }),
      ],
    },
    rules: {
      "import-x/no-restricted-paths": restrictedPaths(architectureZones),
    },
  },
  {
    // Later blocks replace a rule's options, so the product block repeats the architecture zones.
    files: ["**/*.ts"],
    ignores: ["**/test/**"],
    rules: {
      "import-x/no-restricted-paths": restrictedPaths([...architectureZones, ...productZones]),
    },
  },
  {
    files: OPS_BUNDLE,
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["@pulumi/*"],
              message: "The ops bundle runs on the hosts, without Pulumi or its AWS provider.",
            },
          ],
        },
      ],
    },
  },
);
