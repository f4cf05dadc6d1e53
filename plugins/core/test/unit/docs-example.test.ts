/** The worked example in docs/plugins.md is a real fixture: the doc must show it verbatim, and it must work. */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { MemoryLogger, PluginRegistry } from "../../src/index.ts";
import { tempDir } from "../support/packages.ts";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
const doc = readFileSync(join(repo, "docs/plugins.md"), "utf8");

describe("docs/plugins.md worked example", () => {
  it("every `<!-- example: path -->` block is byte-for-byte the fixture file", () => {
    const blocks = [...doc.matchAll(/<!-- example: (\S+) -->\n```\w+\n([\s\S]*?)```\n/g)];
    expect(blocks.map((b) => b[1])).toEqual([
      "test/fixtures/plugins/hello-workload/package.json",
      "test/fixtures/plugins/hello-workload/src/index.ts",
    ]);
    for (const [, path, code] of blocks) expect(code).toBe(readFileSync(join(repo, path!), "utf8"));
  });

  it("FR-001 FR-006 FR-008 FR-013 FR-014: the example is discovered, configured, started, healthy, planned and stopped", async () => {
    const registry = new PluginRegistry({ logger: new MemoryLogger() });
    // The fixture tree has the repo layout: <root>/plugins/hello-workload.
    const discovery = registry.discover({ root: join(repo, "test/fixtures"), nodeModules: [], env: {} });
    expect(discovery.problems).toEqual([]);
    expect(registry.info("workload", "hello")).toMatchObject({
      version: "0.1.0",
      apiVersion: "1.0",
      compatible: true,
      loaded: false,
      extras: ["yaml"],
      tools: ["k6"],
      description: "Calls each function at one rate: the smallest useful campaign.",
    });

    await expect(registry.configure("workload", "hello", { functions: [] })).rejects.toThrow(
      /^Configuration error for plugin 'hello': functions: .* \(too_small\)$/,
    );
    const config = await registry.configure("workload", "hello", { functions: ["figlet", "shasum"] });
    expect(config).toEqual({ functions: ["figlet", "shasum"], rate: 10, durationSeconds: 30 });

    const hello = await registry.get("workload", "hello");
    expect((await registry.healthCheckAll())["WORKLOAD:hello"]).toEqual({ state: "degraded", message: "not started", details: {} });
    expect(await registry.activateAll({ types: ["workload"] })).toEqual({ "WORKLOAD:hello": null });
    expect((await registry.healthCheckAll())["WORKLOAD:hello"]!.state).toBe("healthy");
    expect(hello.plan(config)).toEqual({
      runs: [
        { id: "figlet@10", description: "figlet at 10 req/s for 30s", durationSeconds: 30 },
        { id: "shasum@10", description: "shasum at 10 req/s for 30s", durationSeconds: 30 },
      ],
      estimatedSeconds: 60,
    });

    const bin = tempDir();
    mkdirSync(join(bin, "bin"));
    const context = { resolveFrom: join(repo, "test/fixtures/plugins/hello-workload"), workspace: "@peva-lab/hello-workload" };
    expect(await hello.preflight({ ...context, env: { PATH: join(bin, "bin") } })).toEqual({
      ok: false,
      missing: [{ kind: "tool", name: "k6", installCommand: "scripts/bootstrap" }],
    });
    writeFileSync(join(bin, "bin/k6"), "#!/bin/sh\n");
    chmodSync(join(bin, "bin/k6"), 0o755);
    expect(await hello.preflight({ ...context, env: { PATH: join(bin, "bin") } })).toEqual({ ok: true, missing: [] });

    expect(await registry.shutdownAll()).toEqual({ "WORKLOAD:hello": null });
    expect((await registry.healthCheckAll())["WORKLOAD:hello"]!.state).toBe("degraded");
  });
});
