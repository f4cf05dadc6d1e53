/**
 * A synthetic run folder (run.json, results_long.csv, events.jsonl) of a campaign whose outcome follows a simple
 * capacity model: each function costs 1/capacity of the node per req/s, latency grows with the node's load, and a
 * configuration overloads above load 1. Big grids are cheap to make, so the report's size and speed can be measured
 * on 10^4 configurations. Named as what it is: synthetic data, never a measurement.
 */
import { mkdirSync, writeFileSync, createWriteStream } from "node:fs";
import { join } from "node:path";
import { makeConfiguration, type Configuration } from "../../src/model.ts";
import { RESULTS_LONG_HEADER } from "../../src/results/columns.ts";
import { csvLine } from "../../src/results/csv.ts";

/** The shape of a synthetic campaign. */
export interface SyntheticCampaign {
  /** Function names with their capacity alone (req/s at load 1). */
  readonly functions: Readonly<Record<string, number>>;
  readonly rates: readonly number[];
  /** Largest function set (1 or 2 keeps the grid small). */
  readonly maxFunctions: 1 | 2;
  readonly iterations: number;
  readonly runId: string;
  readonly campaignId: string;
}

/** Every configuration of the grid: sets of 1..maxFunctions functions × rates. */
export function syntheticConfigurations(c: SyntheticCampaign): Configuration[] {
  const names = Object.keys(c.functions).sort();
  const out: Configuration[] = [];
  for (const a of names) for (const r of c.rates) out.push(makeConfiguration([{ name: a, rate: r }]));
  if (c.maxFunctions === 2) {
    for (let i = 0; i < names.length; i++) {
      for (let j = i + 1; j < names.length; j++) {
        for (const ra of c.rates) for (const rb of c.rates) out.push(makeConfiguration([{ name: names[i]!, rate: ra }, { name: names[j]!, rate: rb }]));
      }
    }
  }
  return out;
}

/**
 * Writes `<dir>/run.json`, `results_long.csv` and `events.jsonl`. Configurations far below load 1 are skipped as
 * below a known success, far above as dominated by an overload; one in 97 fails; the rest are measured with
 * `iterations` iterations whose figures vary by a few percent. Returns the number of configurations.
 */
export async function writeSyntheticRunFolder(dir: string, c: SyntheticCampaign): Promise<number> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "run.json"),
    JSON.stringify({
      schema: "peva-faas-run/v1", run_id: c.runId, campaign_id: c.campaignId, host: "localhost", platform: "local (synthetic)", node_cores: 1,
      loadgen: { name: "vegeta", version: "synthetic", settings: {} }, duration: "10s", iterations: c.iterations, started_at: "2026-12-03T00:00:00.000Z",
    }),
  );
  const long = createWriteStream(join(dir, "results_long.csv"));
  const events: string[] = [];
  long.write(`${RESULTS_LONG_HEADER.join(",")}\n`);
  const ev = (e: Record<string, unknown>) => events.push(JSON.stringify({ run_id: c.runId, ts: 0, ...e }));
  const configs = syntheticConfigurations(c);
  let seed = 7;
  const jitter = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return 1 + 0.06 * (seed / 2147483648 - 0.5);
  };
  for (const [index, cfg] of configs.entries()) {
    const load = cfg.pairs.reduce((s, p) => s + p.rate / c.functions[p.name]!, 0);
    if (load < 0.3 && load > 0) {
      ev({ type: "config_skipped", config_id: cfg.id, pairs: cfg.pairs, reason: "below_known_success" });
      continue;
    }
    if (load > 1.6) {
      ev({ type: "config_skipped", config_id: cfg.id, pairs: cfg.pairs, reason: "dominated_by_overload" });
      continue;
    }
    ev({ type: "config_started", config_id: cfg.id, pairs: cfg.pairs, index: index + 1, total: configs.length });
    if (index % 97 === 50) {
      ev({ type: "config_failed", config_id: cfg.id, reason: "loadgen", message: "synthetic failure" });
      continue;
    }
    const rows: string[] = [];
    for (let it = 1; it <= c.iterations; it++) {
      const row = (fn: string, rate: string, metric: string, value: number, unit: string) =>
        rows.push(csvLine(["1", String(it), cfg.id, fn, rate, metric, String(value), unit]));
      for (const p of cfg.pairs) {
        const base = 5e6 / Math.max(0.05, 1.05 - Math.min(load, 1)); // ns
        row(p.name, String(p.rate), "latency_mean", Math.round(base * jitter()), "ns");
        row(p.name, String(p.rate), "latency_p50", Math.round(0.9 * base * jitter()), "ns");
        row(p.name, String(p.rate), "latency_p95", Math.round(2 * base * jitter()), "ns");
        row(p.name, String(p.rate), "latency_p99", Math.round(3 * base * jitter()), "ns");
        row(p.name, String(p.rate), "success_rate", Math.min(1, Math.max(0, (load <= 1 ? 1 : 1.6 - 0.6 * load) * jitter())), "ratio");
        row(p.name, String(p.rate), "cpu_usage", 100 * (p.rate / c.functions[p.name]!) * jitter(), "%");
        row(p.name, String(p.rate), "ram_usage", 5e7 * jitter(), "B");
      }
      row("", "", "cpu_usage_node_pct_of_capacity", Math.min(100, 100 * load * jitter()), "%cap");
      row("", "", "ram_usage_node_percentage", 20 * jitter(), "%");
    }
    long.write(`${rows.join("\n")}\n`);
    ev({ type: "config_done", config_id: cfg.id, overloaded: load > 1 });
  }
  await new Promise<void>((resolve, reject) => long.end((e?: Error | null) => (e ? reject(e) : resolve())));
  ev({ type: "run_finished", status: "done", success: true, counts: { planned: configs.length, executed: 0, skipped: {}, overloaded: 0, failed: 0, iterations: 0 }, results_dir: dir, memory_db: "", frontier: [] });
  writeFileSync(join(dir, "events.jsonl"), `${events.join("\n")}\n`);
  return configs.length;
}
