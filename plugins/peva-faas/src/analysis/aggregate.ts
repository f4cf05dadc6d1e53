/**
 * Per configuration, across its iterations: the status (measured, skipped, failed, unfinished), the verdict, and
 * the mean of each figure with its 95 % interval. Pure: {@link CampaignData} in, {@link ConfigSummary} out.
 */
import { functionSetKey, type FunctionRate } from "../model.ts";
import type { CampaignData } from "./campaign-data.ts";
import { meanInterval, type MeanInterval } from "./intervals.ts";

/** The per-function figures aggregated across iterations: `results_long.csv` metric → its unit there. */
export const FUNCTION_FIGURES = {
  latency_mean: "ns",
  latency_p50: "ns",
  latency_p95: "ns",
  latency_p99: "ns",
  success_rate: "ratio",
  cpu_usage: "%",
  ram_usage: "B",
} as const;

/** The node figures aggregated across iterations: `results_long.csv` metric → its unit there. */
export const NODE_FIGURES = {
  cpu_usage_node_pct_of_capacity: "%cap",
  ram_usage_node_percentage: "%",
} as const;

export type FunctionFigure = keyof typeof FUNCTION_FIGURES;
export type NodeFigure = keyof typeof NODE_FIGURES;

/**
 * What became of a configuration: `measured` (a verdict from its iterations), `skipped` (settled by dominance or an
 * earlier run), `failed` (no verdict; the next run retries it), `unfinished` (started, then the run stopped).
 */
export type ConfigStatus = "measured" | "skipped" | "failed" | "unfinished";

/** One configuration of the campaign, summarised across its iterations. */
export interface ConfigSummary {
  readonly configId: string;
  /** The sorted function names joined by `|` (the campaign's function-set key). */
  readonly functionSet: string;
  readonly pairs: readonly FunctionRate[];
  readonly status: ConfigStatus;
  /** The verdict: measured (majority of its iterations) or implied by the skip reason; undefined when unknown. */
  readonly overloaded?: boolean;
  /** The skip reason or the failure reason. */
  readonly reason?: string;
  /** Iterations with figures (judged ones; contended iterations are never written to results_long.csv). */
  readonly iterations: number;
  readonly functions: readonly { readonly name: string; readonly rate: number; readonly figures: Readonly<Record<FunctionFigure, MeanInterval>> }[];
  readonly node: Readonly<Record<NodeFigure, MeanInterval>>;
}

/** What a skip reason says about the verdict (monotonicity), if anything. */
function impliedVerdict(reason: string): boolean | undefined {
  if (reason === "dominated_by_overload") return true;
  if (reason === "below_known_success") return false;
  return undefined;
}

interface Tracked {
  pairs: FunctionRate[];
  status: ConfigStatus;
  overloaded?: boolean;
  reason?: string;
}

/** Campaign-wide status per configuration; a later run's outcome replaces an earlier one, except a mere re-skip. */
function trackStatuses(data: CampaignData): Map<string, Tracked> {
  const out = new Map<string, Tracked>();
  for (const e of data.events) {
    if (e.type === "config_started") {
      out.set(e.config_id, { pairs: [...e.pairs], status: "unfinished" });
    } else if (e.type === "config_done") {
      const t = out.get(e.config_id);
      if (t) Object.assign(t, { status: "measured", overloaded: e.overloaded, reason: undefined });
    } else if (e.type === "config_failed") {
      const t = out.get(e.config_id);
      if (t) Object.assign(t, { status: "failed", overloaded: undefined, reason: e.reason });
    } else if (e.type === "config_skipped") {
      const known = out.get(e.config_id);
      // `already_in_memory` in a later run only repeats what an earlier folder already says.
      if (known && e.reason === "already_in_memory") continue;
      const overloaded = impliedVerdict(e.reason);
      out.set(e.config_id, { pairs: [...e.pairs], status: "skipped", reason: e.reason, ...(overloaded === undefined ? {} : { overloaded }) });
    }
  }
  return out;
}

const key = (...parts: (string | number)[]) => parts.join("\u0000");

/** Summaries of every configuration the campaign's events name, sorted by function set, then rates. */
export function aggregateCampaign(data: CampaignData): ConfigSummary[] {
  const statuses = trackStatuses(data);
  // Values per (config, function or "", metric) of configurations with figures. A configuration interrupted (stopped,
  // crashed, failed) keeps the iterations it finished, and the next run only runs the rest, so its iterations can
  // come from several runs; an iteration found in two runs counts once, as the later run measured it.
  const latestRun = new Map<string, string>();
  for (const r of data.longRows) latestRun.set(key(r.configId, r.repetition, r.iteration), r.runId);
  const values = new Map<string, number[]>();
  const iterationsSeen = new Map<string, Set<string>>();
  for (const r of data.longRows) {
    if (latestRun.get(key(r.configId, r.repetition, r.iteration)) !== r.runId) continue;
    const k = key(r.configId, r.functionName, r.metric);
    let list = values.get(k);
    if (!list) values.set(k, (list = []));
    list.push(r.value);
    let its = iterationsSeen.get(r.configId);
    if (!its) iterationsSeen.set(r.configId, (its = new Set()));
    its.add(`${r.repetition}/${r.iteration}`);
  }
  const figure = (configId: string, fn: string, metric: string): MeanInterval => meanInterval(values.get(key(configId, fn, metric)) ?? []);

  const out: ConfigSummary[] = [];
  for (const [configId, t] of statuses) {
    const pairs = [...t.pairs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const functions = pairs.map((p) => ({
      name: p.name,
      rate: p.rate,
      figures: Object.fromEntries(Object.keys(FUNCTION_FIGURES).map((m) => [m, figure(configId, p.name, m)])) as Record<FunctionFigure, MeanInterval>,
    }));
    const node = Object.fromEntries(Object.keys(NODE_FIGURES).map((m) => [m, figure(configId, "", m)])) as Record<NodeFigure, MeanInterval>;
    out.push({
      configId,
      functionSet: functionSetKey({ id: configId, pairs }),
      pairs,
      status: t.status,
      ...(t.overloaded === undefined ? {} : { overloaded: t.overloaded }),
      ...(t.reason === undefined ? {} : { reason: t.reason }),
      iterations: iterationsSeen.get(configId)?.size ?? 0,
      functions,
      node,
    });
  }
  return out.sort(compareSummaries);
}

function compareSummaries(a: ConfigSummary, b: ConfigSummary): number {
  if (a.functionSet !== b.functionSet) return a.functionSet < b.functionSet ? -1 : 1;
  for (let i = 0; i < a.pairs.length; i++) {
    const d = a.pairs[i]!.rate - b.pairs[i]!.rate;
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * The frontier of each function set: the configurations known not to overload (measured, or below a known
 * success) that no other such configuration dominates (every rate ≥, one >). Returns their ids.
 */
export function frontierIds(summaries: readonly ConfigSummary[]): Set<string> {
  const bySet = new Map<string, ConfigSummary[]>();
  for (const s of summaries) {
    if (s.overloaded !== false) continue;
    let list = bySet.get(s.functionSet);
    if (!list) bySet.set(s.functionSet, (list = []));
    list.push(s);
  }
  const out = new Set<string>();
  const dominates = (a: ConfigSummary, b: ConfigSummary) =>
    a.pairs.every((p, i) => p.rate >= b.pairs[i]!.rate) && a.pairs.some((p, i) => p.rate > b.pairs[i]!.rate);
  for (const list of bySet.values()) {
    for (const s of list) if (!list.some((o) => o !== s && dominates(o, s))) out.add(s.configId);
  }
  return out;
}

/** Parses a `results_long.csv` value: empty and `NaN` are NaN. */
export function parseLongValue(text: string): number {
  return text === "" || text === "NaN" ? Number.NaN : Number(text);
}
