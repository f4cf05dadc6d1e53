/**
 * Planner benchmark: plan and enumerate 100 000 PEVA-FAAS configurations (config validation, rate generation,
 * counting, lazy enumeration with config_id hashing, dominance checks against an overload index, dry-run table).
 *
 * Run: `node bench/plan.bench.ts` (Node >= 22.18 / 24, type stripping). Targets: < 1 s and < 200 MB peak RSS.
 * Prints markdown table rows with the machine and date, and exits non-zero when a target is missed.
 */
import { arch, cpus, platform, release, totalmem } from "node:os";
import { performance } from "node:perf_hooks";
import { parseWorkloadConfig } from "../plugins/peva-faas/src/config/parse.ts";
import { DominanceIndex, countConfigurations, formatPlanTable, planCampaign } from "../plugins/peva-faas/src/plan/index.ts";
import { makeConfiguration } from "../plugins/peva-faas/src/model.ts";

const TARGET_MS = 1000;
const TARGET_RSS_MB = 200;

// 5 functions, pairs only (C(5,2) = 10 combinations), 100 rates each: 10 × 100² = 100 000 configurations.
const spec = {
  functions: ["figlet", "shasum", "env", "nodeinfo", "markdown"].map((name) => ({ name })),
  rate_strategy: { type: "linear", min_rate: 0, max_rate: 990, step: 10 },
  combinations: { min_functions: 2, max_functions: 3 },
  duration: "30s",
  iterations: 3,
};

let peakHeap = 0;
const sampleHeap = (): void => {
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
};

const t0 = performance.now();
const { config } = parseWorkloadConfig(spec);
const plan = planCampaign(config);
const tPlanned = performance.now();

// Overload verdicts as a resumed run would rebuild them from memory: one per function pair at high rates.
const index = DominanceIndex.fromVerdicts(
  [["env", "figlet"], ["markdown", "shasum"], ["figlet", "nodeinfo"]].map(([a, b]) => ({
    config: makeConfiguration([
      { name: a!, rate: 800 },
      { name: b!, rate: 700 },
    ]),
    overloadCount: 2,
    iterations: 3,
  })),
);

let enumerated = 0;
let dominated = 0;
for (const c of plan.configurations()) {
  enumerated++;
  if (index.isDominated(c)) dominated++;
  if ((enumerated & 0x3fff) === 0) sampleHeap();
}
sampleHeap();
const tEnumerated = performance.now();
const table = formatPlanTable(plan, { maxRows: 50 });
const tEnd = performance.now();

// Counting a far larger plan without enumerating it.
const tc0 = performance.now();
const hugeCount = countConfigurations({
  functions: Array.from({ length: 14 }, (_, i) => ({ name: `fn${i}` })),
  rates: Array.from({ length: 21 }, (_, i) => i * 10),
  min_functions: 1,
  max_functions: 8,
});
const tc1 = performance.now();

const maxRssMb = process.resourceUsage().maxRSS / 1024;
const totalMs = tEnd - t0;
if (enumerated !== 100_000 || plan.count !== 100_000) throw new Error(`expected 100000 configurations, got ${enumerated} / ${plan.count}`);
if (!table.includes("configurations: 100000")) throw new Error("dry-run table is missing the count");

const machine = `${cpus()[0]?.model.trim() ?? "unknown cpu"} ×${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ${platform()} ${release()} ${arch()}, node ${process.version}`;
const date = new Date().toISOString().slice(0, 19) + "Z";
const ok = totalMs < TARGET_MS && maxRssMb < TARGET_RSS_MB;

console.log("| date | machine | benchmark | configurations | time (ms) | peak RSS (MB) | peak heap (MB) | target | result |");
console.log("|---|---|---|---:|---:|---:|---:|---|---|");
console.log(
  `| ${date} | ${machine} | plan + enumerate + dominance + table | ${enumerated} | ${totalMs.toFixed(1)} | ${maxRssMb.toFixed(1)} | ${(peakHeap / 2 ** 20).toFixed(1)} | < ${TARGET_MS} ms, < ${TARGET_RSS_MB} MB | ${ok ? "pass" : "FAIL"} |`,
);
console.log(
  `| ${date} | ${machine} | (of which plan: ${(tPlanned - t0).toFixed(1)} ms, enumerate: ${(tEnumerated - tPlanned).toFixed(1)} ms, ${dominated} dominated, table: ${(tEnd - tEnumerated).toFixed(1)} ms) | | | | | | |`,
);
console.log(`| ${date} | ${machine} | count only (14 fn, sizes 1..7, 21 rates) | ${hugeCount} | ${(tc1 - tc0).toFixed(2)} | | | | |`);
if (!ok) process.exitCode = 1;
