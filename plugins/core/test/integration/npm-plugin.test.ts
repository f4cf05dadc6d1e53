/**
 * A throw-away plugin package installed into a temporary project's node_modules (plain ESM JavaScript, since
 * Node does not strip types under node_modules), importing the real @peva-lab/core and zod. Discovery, the
 * version check, configure, activate, health check and shutdown all run against it for real.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryLogger, PluginIncompatibleError, PluginRegistry, runPluginsCommand } from "../../src/index.ts";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");

const pluginModule = `import { healthStatus, WorkloadPlugin, checkRequirements } from "@peva-lab/core";
import { z } from "zod";

const schema = z.object({ greeting: z.string().default("hello"), port: z.int().min(1) }).strict();

export class Greeter extends WorkloadPlugin {
  type = "workload";
  name = "greeter";
  version = "1.2.3";
  apiVersion = "1.0";
  description = "greets";
  requiredExtras = ["zod"];
  configSchema = schema;
  events = [];
  async startup(signal) {
    this.events.push(signal instanceof AbortSignal ? "startup" : "startup without signal");
  }
  async shutdown() {
    this.events.push("shutdown");
  }
  healthCheck() {
    return healthStatus("healthy", \`configured: \${this.isConfigured}\`, { events: this.events.length });
  }
  async preflight(context) {
    return checkRequirements({ extras: this.requiredExtras, tools: this.requiredTools }, context);
  }
  plan(config) {
    return { runs: [{ id: "greet", description: config.greeting, durationSeconds: 1 }], estimatedSeconds: 1 };
  }
}

export default function createGreeter() {
  return new Greeter();
}
`;

let project: string;

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), "peva-npm-plugin-"));
  const nm = join(project, "node_modules");
  mkdirSync(join(nm, "@peva-lab"), { recursive: true });
  // What `npm install` would have produced: the framework and the plugin's runtime dependency.
  symlinkSync(join(repo, "plugins/core"), join(nm, "@peva-lab/core"));
  symlinkSync(join(repo, "node_modules/zod"), join(nm, "zod"));
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "lab", version: "0.0.0", private: true }));

  const pkg = join(nm, "peva-plugin-greeter");
  mkdirSync(join(pkg, "lib"), { recursive: true });
  writeFileSync(join(pkg, "lib/index.js"), pluginModule);
  writeFileSync(
    join(pkg, "package.json"),
    JSON.stringify({
      name: "peva-plugin-greeter",
      version: "1.2.3",
      type: "module",
      dependencies: { "@peva-lab/core": "0.1.0", zod: "4.6.7" },
      "peva-lab": { plugins: [{ type: "workload", name: "greeter", entry: "./lib/index.js", apiVersion: "1.0", extras: ["zod"] }] },
    }),
  );

  const future = join(nm, "@someone/peva-future");
  mkdirSync(future, { recursive: true });
  writeFileSync(join(future, "index.js"), 'throw new Error("must never be imported");');
  writeFileSync(
    join(future, "package.json"),
    JSON.stringify({
      name: "@someone/peva-future",
      version: "9.0.0",
      type: "module",
      "peva-lab": { plugins: [{ type: "reporter", name: "future", entry: "./index.js", apiVersion: "2.0" }] },
    }),
  );
});

afterAll(() => rmSync(project, { recursive: true, force: true }));

describe("a plugin installed from npm", () => {
  it("is discovered, version-checked, configured, activated, health-checked and shut down", async () => {
    const registry = new PluginRegistry({ logger: new MemoryLogger() });
    const discovery = registry.discover({ root: project, env: {} });
    expect(discovery.problems).toEqual([]);
    expect(registry.list("workload").map((i) => [i.name, i.source, i.version, i.compatible, i.loaded])).toEqual([
      ["greeter", "node_modules", "1.2.3", true, false],
    ]);

    // Version check: the incompatible package is refused from its manifest, without importing it.
    expect(registry.info("reporter", "future").compatible).toBe(false);
    await expect(registry.get("reporter", "future")).rejects.toThrow(PluginIncompatibleError);

    await expect(registry.configure("workload", "greeter", { port: 0 })).rejects.toThrow(
      /^Configuration error for plugin 'greeter': port: .* \(too_small\)$/,
    );
    expect(await registry.configure("workload", "greeter", { port: 8080 })).toEqual({ greeting: "hello", port: 8080 });

    const greeter = await registry.get("workload", "greeter");
    expect(greeter.plan(registry.getConfig("workload", "greeter"))).toMatchObject({ runs: [{ description: "hello" }] });
    expect(await greeter.preflight({ resolveFrom: join(project, "node_modules/peva-plugin-greeter"), workspace: "peva-plugin-greeter", env: {} })).toEqual({
      ok: true,
      missing: [],
    });

    expect(await registry.activateAll({ types: ["workload"] })).toEqual({ "WORKLOAD:greeter": null });
    expect(await registry.healthCheckAll()).toEqual({
      "WORKLOAD:greeter": { state: "healthy", message: "configured: true", details: { events: 1 } },
    });
    expect(await registry.shutdownAll()).toEqual({ "WORKLOAD:greeter": null });
    expect((greeter as unknown as { events: string[] }).events).toEqual(["startup", "shutdown"]);
  });

  it("shows up in `peva-lab plugins doctor` with its health", async () => {
    let stdout = "";
    const code = await runPluginsCommand(["doctor"], { stdout: (t) => (stdout += t), stderr: () => {}, discovery: { root: project, env: {} } });
    expect(stdout).toMatch(/workload +greeter +1\.2\.3 +1\.0 ok +healthy: configured: false +installed/);
    expect(stdout).toMatch(/reporter +future +9\.0\.0 +2\.0 incompatible \(platform 1\.0\)/);
    expect(code).toBe(1); // because of the incompatible reporter
  });
});

describe("the peva-lab CLI", () => {
  it("runs under Node directly (type stripping) and lists this repository's plugins", () => {
    const out = execFileSync(process.execPath, [join(repo, "bin/peva-lab.ts"), "plugins", "list"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    expect(out).toMatch(/^(TYPE +NAME +VERSION +API +HEALTH +EXTRAS\n|No plugins found\.\n)/);
  });

  it("prints usage and exits 2 on an unknown command", () => {
    let status = 0;
    let stderr = "";
    try {
      execFileSync(process.execPath, [join(repo, "bin/peva-lab.ts"), "frobnicate"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (e) {
      status = (e as { status: number }).status;
      stderr = (e as { stderr: string }).stderr;
    }
    expect(status).toBe(2);
    expect(stderr).toContain("usage: peva-lab <command>");
  });
});
