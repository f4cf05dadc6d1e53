/**
 * Registry benchmark: discovery of 200 generated plugin manifests (target < 200 ms) and the median cost of
 * `get()` on a loaded plugin (target < 5 µs). Run with `node bench/registry.bench.ts`; prints a markdown table
 * for docs/benchmarks.md.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { discoverPlugins, PluginRegistry, silentLogger } from "../plugins/core/src/index.ts";

const MANIFESTS = 200;
const DISCOVERY_RUNS = 15;
const GET_BATCHES = 200;
const GET_BATCH_SIZE = 1000;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Writes `count` plugin packages under `<root>/plugins/`. */
function generate(root: string, count: number): void {
  for (let i = 0; i < count; i++) {
    const name = `bench-${String(i).padStart(3, "0")}`;
    const dir = join(root, "plugins", name);
    mkdirSync(dir, { recursive: true });
    const pkg = {
      name: `@bench/${name}`,
      version: "1.0.0",
      type: "module",
      "peva-lab": { plugins: [{ type: "policy", name, entry: "./index.js", apiVersion: "1.0" }] },
    };
    writeFileSync(join(dir, "package.json"), JSON.stringify(pkg));
    writeFileSync(
      join(dir, "index.js"),
      `export default class { type = "policy"; name = "${name}"; version = "1.0.0"; apiVersion = "1.0";
  startup() {} shutdown() {} healthCheck() { return { state: "healthy", message: "", details: {} }; }
  decide() { return { action: "run", reason: "" }; } }\n`,
    );
  }
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "peva-registry-bench-"));
  try {
    generate(root, MANIFESTS);
    const options = { root, nodeModules: [], env: {}, logger: silentLogger };

    discoverPlugins(options); // warm the file-system cache and the JIT
    const discoveryMs: number[] = [];
    for (let run = 0; run < DISCOVERY_RUNS; run++) {
      const start = performance.now();
      const result = discoverPlugins(options);
      discoveryMs.push(performance.now() - start);
      if (result.plugins.length !== MANIFESTS) throw new Error(`discovered ${result.plugins.length} of ${MANIFESTS}`);
    }

    const registry = new PluginRegistry({ logger: silentLogger });
    registry.discover(options);
    await registry.get("policy", "bench-100"); // loads it once
    const perCallUs: number[] = [];
    for (let batch = 0; batch < GET_BATCHES; batch++) {
      const start = performance.now();
      for (let i = 0; i < GET_BATCH_SIZE; i++) await registry.get("policy", "bench-100");
      perCallUs.push(((performance.now() - start) * 1000) / GET_BATCH_SIZE);
    }

    const discovery = median(discoveryMs);
    const get = median(perCallUs);
    const verdict = (ok: boolean) => (ok ? "ok" : "MISSED");
    const date = new Date().toISOString().slice(0, 10);
    const machine = `${cpus()[0]?.model.trim() ?? "unknown CPU"}, ${cpus().length} cores, Node ${process.version}`;
    process.stdout.write(
      [
        "| date | machine | measurement | median | target | result |",
        "|---|---|---|---|---|---|",
        `| ${date} | ${machine} | discovery of ${MANIFESTS} plugin manifests (${DISCOVERY_RUNS} runs) | ${discovery.toFixed(1)} ms | < 200 ms | ${verdict(discovery < 200)} |`,
        `| ${date} | ${machine} | \`get()\` of a loaded plugin (${GET_BATCHES} × ${GET_BATCH_SIZE} calls) | ${get.toFixed(3)} µs | < 5 µs | ${verdict(get < 5)} |`,
        "",
      ].join("\n"),
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
