import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  DuplicatePluginError,
  MemoryLogger,
  PluginIncompatibleError,
  PluginLoadError,
  PluginNotFoundError,
  PluginRegistry,
  PLUGIN_TYPES,
} from "../../src/index.ts";
import { SleepWorkload, StaticPlatform } from "../../../../test/fixtures/plugins/contract/conforming.ts";
import { tempDir, writePluginPackage } from "../support/packages.ts";

/** Counts how often a generated module's top level ran. */
declare global {
  var __pevaImports: Record<string, number> | undefined;
}
function countingModule(id: string, cls: string): string {
  return `globalThis.__pevaImports ??= {}; globalThis.__pevaImports[${JSON.stringify(id)}] = (globalThis.__pevaImports[${JSON.stringify(id)}] ?? 0) + 1;\n${cls}`;
}
function imports(id: string): number {
  return globalThis.__pevaImports?.[id] ?? 0;
}

function setup(build: (root: string) => void, options: ConstructorParameters<typeof PluginRegistry>[0] = {}) {
  const root = tempDir();
  build(root);
  const logger = new MemoryLogger();
  const registry = new PluginRegistry({ logger, ...options });
  const discovery = registry.discover({ root, env: {} });
  return { root, registry, logger, discovery };
}

const workloadClass = (name: string, extra = "") => `export default class {
  type = "workload"; name = ${JSON.stringify(name)}; version = "0.1.0"; apiVersion = "1.0";
  startup() {} shutdown() {} healthCheck() { return { state: "healthy", message: "", details: {} }; }
  async preflight() { return { ok: true, missing: [] }; } plan() { return { runs: [], estimatedSeconds: 0 }; }
  ${extra}
}`;

describe("registry: register / get / list", () => {
  it("FR-011 lazy loading: get() imports on first use only, then returns the cached instance", async () => {
    const id = `lazy-${Math.random()}`;
    const { registry } = setup((root) => writePluginPackage(root, "plugins/lazy", { name: "lazy", module: countingModule(id, workloadClass("lazy")) }));
    expect(imports(id)).toBe(0);
    expect(registry.info("workload", "lazy").loaded).toBe(false);
    const a = await registry.get("workload", "lazy");
    const b = await registry.get("workload", "lazy");
    expect(a).toBe(b);
    expect(imports(id)).toBe(1);
    expect(registry.info("workload", "lazy").loaded).toBe(true);
    expect(registry.loaded("workload")).toEqual([a]);
  });

  it("concurrent first gets share one load", async () => {
    const { registry } = setup((root) => writePluginPackage(root, "plugins/c", { name: "c" }));
    const [a, b] = await Promise.all([registry.get("workload", "c"), registry.get("workload", "c")]);
    expect(a).toBe(b);
  });

  it("FR-002: unknown keys raise PluginNotFoundError with the exact message", async () => {
    const { registry } = setup(() => {});
    await expect(registry.get("compute", "duckdb")).rejects.toThrow(new PluginNotFoundError("compute", "duckdb"));
    await expect(registry.get("compute", "duckdb")).rejects.toThrow("Plugin not found: COMPUTE:duckdb");
  });

  it("defect 4: list() returns metadata without loading, and includes registered plugins", () => {
    const id = `list-${Math.random()}`;
    const { registry } = setup((root) => {
      writePluginPackage(root, "plugins/b", { name: "b", module: countingModule(id, workloadClass("b")), manifest: { apiVersion: "1.0", description: "bee" } });
    });
    registry.register(new SleepWorkload());
    const infos = registry.list("workload");
    expect(infos.map((i) => [i.name, i.source, i.loaded, i.description, i.compatible])).toEqual([
      ["b", "workspace", false, "bee", true],
      ["sleep", "registered", true, "", true],
    ]);
    expect(imports(id)).toBe(0);
    expect(registry.list("compute")).toEqual([]);
  });

  it("FR-012: metadata without loading; fields the manifest omits are filled in once loaded", async () => {
    const { registry } = setup((root) => writePluginPackage(root, "plugins/m", { name: "m", body: 'dependencies = []; requiredTools = ["sh"];' }));
    expect(registry.info("workload", "m")).toMatchObject({ version: "0.1.0", apiVersion: undefined, compatible: undefined, tools: undefined });
    await registry.get("workload", "m");
    expect(registry.info("workload", "m")).toMatchObject({ apiVersion: "1.0", compatible: true, tools: ["sh"], dependencies: [] });
  });

  it("listAll() has every type as a key, with sorted names, and loads nothing", () => {
    const { registry } = setup((root) => {
      writePluginPackage(root, "plugins/z", { name: "z" });
      writePluginPackage(root, "plugins/a", { name: "a" });
    });
    const all = registry.listAll();
    expect(Object.keys(all)).toEqual([...PLUGIN_TYPES]);
    expect(all.workload).toEqual(["a", "z"]);
    expect(all.compute).toEqual([]);
    expect(registry.loaded()).toEqual([]);
  });

  it("FR-004 SC-004 defect 10: a declared incompatible API is refused at discovery, never imported, verdict cached", async () => {
    const id = `incompat-${Math.random()}`;
    const { registry, logger } = setup((root) =>
      writePluginPackage(root, "plugins/future", { name: "future", module: countingModule(id, workloadClass("future")), manifest: { apiVersion: "2.0" } }),
    );
    expect(registry.info("workload", "future")).toMatchObject({ compatible: false, error: "Plugin 'future' requires API v2.0, but platform provides v1.0" });
    const first = await registry.get("workload", "future").catch((e: unknown) => e);
    const second = await registry.get("workload", "future").catch((e: unknown) => e);
    expect(first).toBeInstanceOf(PluginIncompatibleError);
    expect(second).toBe(first);
    expect(imports(id)).toBe(0);
    expect(logger.records.some((r) => r.event === "register.incompatible")).toBe(true);
  });

  it("SC-004 defect 10: an incompatible class found at load is refused and the verdict cached (no second import attempt)", async () => {
    const { registry } = setup((root) => writePluginPackage(root, "plugins/sneaky", { name: "sneaky", apiVersion: "1.5" }));
    const first = await registry.get("workload", "sneaky").catch((e: unknown) => e);
    expect(first).toBeInstanceOf(PluginIncompatibleError);
    expect((first as Error).message).toBe("Plugin 'sneaky' requires API v1.5, but platform provides v1.0");
    await expect(registry.get("workload", "sneaky")).rejects.toBe(first);
    expect(registry.info("workload", "sneaky").loaded).toBe(false);
  });

  it("FR-005: a plugin written for an older minor loads on a newer platform", async () => {
    const { registry } = setup((root) => writePluginPackage(root, "plugins/old", { name: "old", manifest: { apiVersion: "1.0" } }), { platformApiVersion: "1.3" });
    await expect(registry.get("workload", "old")).resolves.toMatchObject({ name: "old" });
  });

  it("load failures are PluginLoadErrors naming the plugin and reason, and are cached", async () => {
    const { registry } = setup((root) => {
      writePluginPackage(root, "plugins/throws", { name: "throws", module: 'throw new Error("top-level boom");' });
      writePluginPackage(root, "plugins/noexport", { name: "noexport", module: "export const other = 1;" });
      writePluginPackage(root, "plugins/notfn", { name: "notfn", module: "export default 42;" });
      writePluginPackage(root, "plugins/ctor", { name: "ctor", module: 'export default class { constructor() { throw new Error("ctor boom"); } }' });
      writePluginPackage(root, "plugins/shape", { name: "shape", module: 'export default class { type = "workload"; name = "shape"; version = "0.1.0"; apiVersion = "1.0"; }' });
      writePluginPackage(root, "plugins/liar", { name: "liar", module: workloadClass("someone-else") });
      writePluginPackage(root, "plugins/extra", { name: "extra", module: workloadClass("extra", 'requiredExtras = ["duckdb"];') });
      writePluginPackage(root, "plugins/tools", { name: "tools", manifest: { tools: ["k6"] } });
    });
    const reason = async (name: string) => {
      const e = await registry.get("workload", name).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(PluginLoadError);
      await expect(registry.get("workload", name)).rejects.toBe(e);
      return (e as Error).message;
    };
    expect(await reason("throws")).toMatch(/^Plugin load failed: WORKLOAD:throws - import of .*index\.js failed: top-level boom$/);
    expect(await reason("noexport")).toContain("has neither a default export nor an export named 'plugin'");
    expect(await reason("notfn")).toContain("neither a plugin class nor a factory function");
    expect(await reason("ctor")).toBe("Plugin load failed: WORKLOAD:ctor - creating the instance failed: ctor boom");
    expect(await reason("shape")).toBe(
      "Plugin load failed: WORKLOAD:shape - does not implement the workload contract: missing startup(), shutdown(), healthCheck(), preflight(), plan()",
    );
    expect(await reason("liar")).toContain('class and manifest disagree: name: manifest "liar", class "someone-else"');
    expect(await reason("extra")).toContain("extras not in the package's dependencies: duckdb");
    expect(await reason("tools")).toContain('tools: manifest ["k6"], class []');
  });

  it("an export named `plugin` and an async factory are both accepted", async () => {
    const { registry } = setup((root) => {
      writePluginPackage(root, "plugins/named", { name: "named", module: workloadClass("named").replace("export default class", "export const plugin = class") });
      writePluginPackage(root, "plugins/factory", {
        name: "factory",
        module: `const C = ${workloadClass("factory").replace("export default ", "")};\nexport default async function create() { return new C(); }`,
      });
    });
    await expect(registry.get("workload", "named")).resolves.toMatchObject({ name: "named" });
    await expect(registry.get("workload", "factory")).resolves.toMatchObject({ name: "factory" });
  });

  it("FR-009 defect 9: register() refuses a key that is discovered (even unloaded) or registered", () => {
    const { registry } = setup((root) => writePluginPackage(root, "plugins/sleep", { name: "sleep" }));
    expect(() => registry.register(new SleepWorkload())).toThrow(DuplicatePluginError);
    expect(() => registry.register(new SleepWorkload())).toThrow("Duplicate plugin: WORKLOAD:sleep");
    registry.register(new StaticPlatform());
    expect(() => registry.register(new StaticPlatform())).toThrow("Duplicate plugin: PLATFORM:static");
  });

  it("FR-009: the same name under two types is fine; keys are (type, name)", async () => {
    const registry = new PluginRegistry({ logger: new MemoryLogger() });
    const wl = new SleepWorkload();
    const pl = Object.assign(new StaticPlatform(), { name: "sleep" });
    registry.register(wl);
    registry.register(pl);
    expect(await registry.get("workload", "sleep")).toBe(wl);
    expect(await registry.get("platform", "sleep")).toBe(pl);
  });

  it("FR-004: register() checks the API version and the contract", () => {
    const registry = new PluginRegistry({ logger: new MemoryLogger() });
    expect(() => registry.register(Object.assign(new SleepWorkload(), { apiVersion: "2.0" }))).toThrow(PluginIncompatibleError);
    expect(() => registry.register(Object.assign(new SleepWorkload(), { apiVersion: "x" }))).toThrow("Invalid version format: 'x'");
    expect(() => registry.register(Object.assign(new SleepWorkload(), { name: "Bad Name" }))).toThrow("lowercase alphanumerics");
    expect(() => registry.register(Object.assign(new SleepWorkload(), { plan: undefined }))).toThrow("missing plan()");
    expect(() => registry.register(Object.assign(new SleepWorkload(), { type: "gpu" }))).toThrow("Unknown plugin type: gpu");
    expect(registry.listAll().workload).toEqual([]);
  });

  it("defect 9: a duplicate found by discovery is a hard error for that key only", async () => {
    const { registry, root } = setup((root) => {
      writePluginPackage(root, "plugins/a", { name: "dup", packageName: "a" });
      writePluginPackage(root, "plugins/b", { name: "dup", packageName: "b" });
      writePluginPackage(root, "plugins/fine", { name: "fine" });
    });
    const e = await registry.get("workload", "dup").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DuplicatePluginError);
    expect((e as DuplicatePluginError).locations).toEqual([join(root, "plugins/a"), join(root, "plugins/b")]);
    expect(registry.info("workload", "dup").error).toBe("Duplicate plugin: WORKLOAD:dup");
    await expect(registry.get("workload", "fine")).resolves.toMatchObject({ name: "fine" });
  });

  it("discover() again is idempotent; a new package with a known key becomes a duplicate", async () => {
    const { registry, root } = setup((root) => writePluginPackage(root, "plugins/a", { name: "a" }));
    registry.discover({ root, env: {} });
    await expect(registry.get("workload", "a")).resolves.toMatchObject({ name: "a" });
    const other = tempDir();
    writePluginPackage(other, "plugins/a2", { name: "a" });
    registry.discover({ root: other, env: {} });
    await expect(registry.get("workload", "a")).rejects.toThrow("Duplicate plugin: WORKLOAD:a");
  });
});
