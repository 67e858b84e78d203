// The part of the WebAssembly JS API the test runtime uses: the project compiles against ES2022
// without the DOM library, which is where TypeScript declares it.
export {};

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- the global WebAssembly is a namespace
  namespace WebAssembly {
    interface ModuleExportDescriptor {
      name: string;
      kind: "function" | "table" | "memory" | "global" | "tag";
    }
    interface ModuleImportDescriptor extends ModuleExportDescriptor {
      module: string;
    }
    type ModuleImports = Record<string, unknown>;
    type Imports = Record<string, ModuleImports>;
    class Module {
      constructor(bytes: Uint8Array);
      static exports(module: Module): ModuleExportDescriptor[];
      static imports(module: Module): ModuleImportDescriptor[];
    }
    class Instance {
      constructor(module: Module, imports?: Imports);
      readonly exports: Record<string, unknown>;
    }
    class Memory {
      constructor(descriptor: { initial: number; maximum?: number });
      readonly buffer: ArrayBuffer;
      grow(delta: number): number;
    }
    class RuntimeError extends Error {}
  }
}
