import { existsSync, mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { discoverPlugins, MemoryLogger, PLUGIN_DIR_ENV, type DiscoveryOptions } from "../../src/index.ts";
import { pluginPackage, tempDir, writeFiles, writePluginPackage } from "../support/packages.ts";

function discover(root: string, extra: Partial<DiscoveryOptions> = {}) {
  const logger = new MemoryLogger();
  return { ...discoverPlugins({ root, env: {}, logger, ...extra }), logger };
}

describe("discovery", () => {
  it("FR-001: finds in-tree workspaces, installed packages (scoped too) and the user dir", () => {
    const root = tempDir();
    writePluginPackage(root, "plugins/alpha", { name: "alpha" });
    writeFiles(root, { "plugins/core/package.json": { name: "@x/core", version: "1.0.0" } }); // not a plugin: ignored
    writePluginPackage(root, "node_modules/peva-plugin-beta", { name: "beta", type: "platform" });
    writePluginPackage(root, "node_modules/@acme/gamma", { name: "gamma", type: "compute", packageName: "@acme/gamma" });
    writeFiles(root, { "node_modules/left-pad/package.json": { name: "left-pad", version: "1.0.0" } });
    const user = tempDir();
    writePluginPackage(user, "delta", { name: "delta", type: "policy" });

    const r = discover(root, { env: { [PLUGIN_DIR_ENV]: user } });
    // Sorted by type, then name.
    expect(r.plugins.map((p) => `${p.source}:${p.type}:${p.name}`)).toEqual([
      "node_modules:compute:gamma",
      "node_modules:platform:beta",
      "user-dir:policy:delta",
      "workspace:workload:alpha",
    ]);
    expect(r.problems).toEqual([]);
    expect(r.duplicates).toEqual([]);
  });

  it("FR-011: discovery reads manifests only, it never imports plugin code", () => {
    const root = tempDir();
    const marker = join(root, "imported");
    writePluginPackage(root, "plugins/side-effect", {
      name: "side-effect",
      module: `import { writeFileSync } from "node:fs"; writeFileSync(${JSON.stringify(marker)}, "x"); export default class {}`,
    });
    const r = discover(root);
    expect(r.plugins.map((p) => p.name)).toEqual(["side-effect"]);
    expect(existsSync(marker)).toBe(false);
  });

  it("descriptors carry manifest facts and the package facts", () => {
    const root = tempDir();
    writePluginPackage(root, "plugins/duck", {
      name: "duck",
      type: "compute",
      packageName: "@peva-lab/compute-duck",
      version: "0.3.1",
      dependencies: { "@duckdb/node-api": "1.0.0", "@peva-lab/core": "0.1.0", zod: "4.0.0" },
      manifest: { apiVersion: "1.0", description: "d", dependencies: ["x"], tools: ["k6", "k6"] },
    });
    const [d] = discover(root).plugins;
    expect(d).toMatchObject({
      type: "compute",
      name: "duck",
      version: "0.3.1",
      apiVersion: "1.0",
      description: "d",
      dependencies: ["x"],
      // Undeclared extras default to the package's runtime dependencies, minus in-tree @peva-lab/* packages.
      extras: ["@duckdb/node-api", "zod"],
      tools: ["k6"],
      packageName: "@peva-lab/compute-duck",
      source: "workspace",
      entryPath: join(root, "plugins/duck/index.js"),
    });
  });

  it("FR-010 SC-005: half the candidates broken — the valid half is found, every broken one logged with its path", () => {
    const root = tempDir();
    const broken: Record<string, string | object> = {
      "plugins/bad-json/package.json": '{ "name": "x", "peva-lab": ',
      "plugins/no-plugins/package.json": { name: "np", version: "1.0.0", "peva-lab": { plugins: "nope" } },
      "plugins/bad-type/package.json": { name: "bt", version: "1.0.0", "peva-lab": { plugins: [{ type: "gpu", name: "x", entry: "./i.js" }] } },
      "plugins/bad-name/package.json": { name: "bn", version: "1.0.0", "peva-lab": { plugins: [{ type: "workload", name: "Bad_Name", entry: "./i.js" }] } },
      "plugins/no-entry/package.json": { name: "ne", version: "1.0.0", "peva-lab": { plugins: [{ type: "workload", name: "no-entry", entry: "./missing.js" }] } },
      "plugins/escape/package.json": { name: "es", version: "1.0.0", "peva-lab": { plugins: [{ type: "workload", name: "esc", entry: "../x.js" }] } },
      "plugins/bad-api/package.json": { name: "ba", version: "1.0.0", "peva-lab": { plugins: [{ type: "workload", name: "ba", entry: "./i.js", apiVersion: "one" }] } },
      "plugins/bad-extra/package.json": { name: "be", version: "1.0.0", "peva-lab": { plugins: [{ type: "workload", name: "be", entry: "./i.js", extras: ["duckdb"] }] } },
      "plugins/unknown-key/package.json": { name: "uk", version: "1.0.0", "peva-lab": { plugins: [{ type: "workload", name: "uk", entry: "./i.js", enabled: true }] } },
      "plugins/no-version/package.json": { name: "nv", "peva-lab": { plugins: [{ type: "workload", name: "nv", entry: "./i.js" }] } },
    };
    writeFiles(root, broken);
    for (const dir of Object.keys(broken)) writeFiles(root, { [join(dir, "..", "i.js")]: "export default class {}" });
    for (let i = 0; i < 10; i++) writePluginPackage(root, `plugins/good-${i}`, { name: `good-${i}` });

    const r = discover(root);
    expect(r.candidates).toBe(20);
    expect(r.plugins.map((p) => p.name).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `good-${i}`).sort());
    expect(r.problems).toHaveLength(10);
    for (const dir of Object.keys(broken)) {
      expect(r.problems.some((p) => p.path.startsWith(join(root, dir)))).toBe(true);
    }
    const logged = r.logger.records.filter((l) => l.event === "discover.skipped");
    expect(logged.map((l) => l.fields["path"])).toEqual(r.problems.map((p) => p.path));
    expect(r.problems.find((p) => p.path.includes("bad-extra"))!.reason).toContain("extras not in the package's dependencies: duckdb");
  });

  it("a bad entry skips only that entry; the package's other plugins still count", () => {
    const root = tempDir();
    writeFiles(root, {
      "plugins/two/package.json": {
        name: "two",
        version: "1.0.0",
        "peva-lab": { plugins: [{ type: "workload", name: "ok", entry: "./i.js" }, { type: "workload", entry: "./i.js" }] },
      },
      "plugins/two/i.js": "export default class {}",
    });
    const r = discover(root);
    expect(r.plugins.map((p) => p.name)).toEqual(["ok"]);
    expect(r.problems[0]!.path).toBe(join(root, "plugins/two/package.json#peva-lab.plugins.1"));
  });

  it("a workspace symlinked into node_modules is one package, not a duplicate", () => {
    const root = tempDir();
    writePluginPackage(root, "plugins/alpha", { name: "alpha", packageName: "@peva-lab/alpha" });
    mkdirSync(join(root, "node_modules/@peva-lab"), { recursive: true });
    symlinkSync(join(root, "plugins/alpha"), join(root, "node_modules/@peva-lab/alpha"));
    const r = discover(root);
    expect(r.plugins.map((p) => `${p.source}:${p.name}`)).toEqual(["workspace:alpha"]);
    expect(r.duplicates).toEqual([]);
  });

  it("FR-009 defect 9: two packages declaring the same type and name are a duplicate — neither wins", () => {
    const root = tempDir();
    writePluginPackage(root, "plugins/duck-a", { name: "duck", type: "compute", packageName: "a" });
    writePluginPackage(root, "node_modules/duck-b", { name: "duck", type: "compute", packageName: "b" });
    writePluginPackage(root, "plugins/duck-wl", { name: "duck", type: "workload", packageName: "c" }); // other type: fine
    const r = discover(root);
    expect(r.plugins.map((p) => `${p.type}:${p.name}`)).toEqual(["workload:duck"]);
    expect(r.duplicates).toHaveLength(1);
    const [dup] = r.duplicates;
    expect(dup!.error.message).toBe("Duplicate plugin: COMPUTE:duck");
    expect(dup!.error.locations).toEqual([join(root, "plugins/duck-a"), join(root, "node_modules/duck-b")]);
    expect(r.logger.records.some((l) => l.event === "discover.duplicate")).toBe(true);
  });

  it("user dir: every subdirectory must be a plugin package", () => {
    const root = tempDir();
    const user = tempDir();
    writeFiles(user, { "stray/readme.txt": "hi", "not-plugin/package.json": { name: "np", version: "1.0.0" } });
    writeFiles(join(user, "ok"), pluginPackage({ name: "ok" }));
    const r = discover(root, { userDir: user });
    expect(r.plugins.map((p) => p.name)).toEqual(["ok"]);
    expect(r.problems.map((p) => p.path).sort()).toEqual([join(user, "not-plugin/package.json"), join(user, "stray/package.json")]);
  });

  it("missing directories are simply empty sources", () => {
    const r = discover(join(tempDir(), "nope"), { userDir: "/definitely/not/here" });
    expect(r).toMatchObject({ plugins: [], problems: [], duplicates: [], candidates: 0 });
  });
});
