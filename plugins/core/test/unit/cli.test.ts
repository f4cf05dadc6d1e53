import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findPackageRoot, formatPluginTable, runPluginsCommand, type PluginInfo, type PluginRow } from "../../src/index.ts";
import { tempDir, writeFiles, writePluginPackage } from "../support/packages.ts";

/** A project: a healthy workload with its extra installed, a compute plugin missing its extra, and k6 on PATH. */
function project() {
  const root = tempDir();
  writePluginPackage(root, "plugins/faas", {
    name: "faas",
    packageName: "@peva-lab/faas",
    dependencies: { "apache-arrow": "21.2.0", "@peva-lab/core": "0.1.0" },
    manifest: { apiVersion: "1.0", description: "the workload", tools: ["k6"] },
    body: 'requiredTools = ["k6"]; requiredExtras = ["apache-arrow"];',
  });
  writeFiles(root, { "node_modules/apache-arrow/package.json": { name: "apache-arrow", version: "21.2.0" } });
  writePluginPackage(root, "plugins/duck", {
    name: "duck",
    type: "compute",
    packageName: "@peva-lab/compute-duck",
    dependencies: { "@duckdb/node-api": "1.0.0" },
    manifest: { apiVersion: "1.0" },
    module: `globalThis.__cliImported = true; export default class {}`,
  });
  const bin = join(root, "bin");
  mkdirSync(bin);
  writeFileSync(join(bin, "k6"), "#!/bin/sh\n");
  chmodSync(join(bin, "k6"), 0o755);
  return { root, env: { PATH: bin } };
}

async function run(args: string[], root: string, env: Record<string, string>) {
  let stdout = "";
  let stderr = "";
  const code = await runPluginsCommand(args, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    discovery: { root, env },
  });
  return { code, stdout, stderr };
}

declare global {
  var __cliImported: boolean | undefined;
}

describe("peva-lab plugins", () => {
  it("list: type, version, API compatibility and extras, without loading any code", async () => {
    const { root, env } = project();
    globalThis.__cliImported = undefined;
    const r = await run(["list"], root, env);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        "TYPE      NAME  VERSION  API     HEALTH       EXTRAS",
        "workload  faas  0.1.0    1.0 ok  not checked  installed",
        "compute   duck  0.1.0    1.0 ok  not checked  missing: @duckdb/node-api",
        "",
        "COMPUTE:duck: to install what is missing, run: npm ci --omit=dev --workspace @peva-lab/compute-duck",
        "",
      ].join("\n"),
    );
    expect(globalThis.__cliImported).toBeUndefined();
  });

  it("doctor: loads what can load, reports health, and exits 1 when something needs attention", async () => {
    const { root, env } = project();
    const r = await run(["doctor"], root, env);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("compute   duck  0.1.0    1.0 ok  unhealthy: not loaded: missing @duckdb/node-api  missing: @duckdb/node-api");
    expect(r.stdout).toMatch(/workload {2}faas {2}0\.1\.0 +1\.0 ok {2}healthy +installed/);
    expect(r.stdout).toContain("npm ci --omit=dev --workspace @peva-lab/compute-duck");
  });

  it("doctor exits 0 when every plugin is compatible, installed and healthy", async () => {
    const { root, env } = project();
    writeFiles(root, { "node_modules/@duckdb/node-api/package.json": { name: "@duckdb/node-api", version: "1.0.0" } });
    writePluginPackage(root, "plugins/duck", {
      name: "duck",
      type: "compute",
      packageName: "@peva-lab/compute-duck",
      dependencies: { "@duckdb/node-api": "1.0.0" },
      manifest: { apiVersion: "1.0" },
    });
    const r = await run(["doctor"], root, env);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  it("doctor names a missing tool and the bootstrap, and reports discovery problems on stderr", async () => {
    const { root } = project();
    writeFiles(root, { "plugins/broken/package.json": '{"peva-lab": ' });
    const r = await run(["doctor"], root, { PATH: "" });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("missing: tool k6");
    expect(r.stdout).toContain("WORKLOAD:faas: to install what is missing, run: scripts/bootstrap");
    expect(r.stderr).toContain(`skipped ${join(root, "plugins/broken/package.json")}: invalid JSON`);
  });

  it("doctor names a plugin's own install hint for a tool the bootstrap does not install (manifest toolInstall)", async () => {
    const { root } = project();
    writePluginPackage(root, "plugins/gen", {
      name: "gen",
      type: "workload",
      packageName: "@peva-lab/gen",
      manifest: { apiVersion: "1.0", tools: ["gen-tool"], toolInstall: "install gen-tool yourself" },
    });
    const r = await run(["doctor"], root, { PATH: "" });
    expect(r.stdout).toContain("WORKLOAD:gen: to install what is missing, run: install gen-tool yourself");
    expect(r.stdout).toContain("WORKLOAD:faas: to install what is missing, run: scripts/bootstrap");
  });

  it("show: one plugin in detail, by name or type:name; unknown names exit 1", async () => {
    const { root, env } = project();
    const r = await run(["show", "workload:faas"], root, env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("plugin:       WORKLOAD:faas\n");
    expect(r.stdout).toContain("api version:  1.0 ok\n");
    expect(r.stdout).toContain("description:  the workload\n");
    expect(r.stdout).toContain("tools:        k6\n");
    expect(r.stdout).toContain("health:       healthy\n");
    expect((await run(["show", "faas"], root, env)).stdout).toContain("WORKLOAD:faas");
    const missing = await run(["show", "nope"], root, env);
    expect([missing.code, missing.stderr]).toEqual([1, "Plugin not found: nope\n"]);
  });

  it("show: an incompatible plugin is reported, never loaded", async () => {
    const { root, env } = project();
    writePluginPackage(root, "plugins/future", { name: "future", manifest: { apiVersion: "2.0" } });
    const r = await run(["show", "future"], root, env);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("api version:  2.0 incompatible (platform 1.0)");
    expect(r.stdout).toContain("error:        Plugin 'future' requires API v2.0, but platform provides v1.0");
  });

  it.each([[[]], [["frobnicate"]], [["show"]], [["list", "extra"]], [["show", "a", "b"]]])("usage errors exit 2: %j", async (args) => {
    const { root, env } = project();
    const r = await run(args, root, env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("usage: peva-lab plugins");
  });

  it("formatPluginTable: no plugins, and an unknown API version before loading", () => {
    expect(formatPluginTable([], "1.0")).toBe("No plugins found.\n");
    const info: PluginInfo = {
      type: "policy",
      name: "p",
      version: "1.2.3",
      apiVersion: undefined,
      description: "",
      dependencies: undefined,
      extras: [],
      tools: undefined,
      source: "node_modules",
      packageName: "p",
      packageDir: "/x",
      compatible: undefined,
      loaded: false,
      configured: false,
      state: "inactive",
      error: undefined,
    };
    const row: PluginRow = { info, health: undefined, missingExtras: [], missingTools: [], installCommands: [] };
    expect(formatPluginTable([row], "1.0")).toBe(
      "TYPE    NAME  VERSION  API                       HEALTH       EXTRAS\npolicy  p     1.2.3    ? (unknown until loaded)  not checked  none\n",
    );
  });

  it("findPackageRoot: the nearest directory with a package.json", () => {
    const root = tempDir();
    writeFiles(root, { "package.json": {}, "bin/x.ts": "" });
    expect(findPackageRoot(join(root, "bin"))).toBe(root);
    expect(() => findPackageRoot("/")).toThrow("no package.json at or above /");
  });
});
