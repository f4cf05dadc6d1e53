/**
 * The report page: one self-contained HTML document (inline CSS and SVG, no script, no network) built from a
 * campaign's data and the `run.json` of each of its runs. Pure.
 */
import { aggregateCampaign, frontierIds, type ConfigSummary, type FunctionFigure, type NodeFigure } from "../analysis/aggregate.ts";
import type { CampaignData } from "../analysis/campaign-data.ts";
import { BOOTSTRAP_ABOVE, BOOTSTRAP_RESAMPLES, type MeanInterval } from "../analysis/intervals.ts";
import { formatDuration, type RunEvent } from "../runner/events.ts";
import { escapeXml, heatMapLegendSvg, heatMapSvg, lineChartSvg, PALETTE, type CellState, type HeatMap, type LineChart, type Series } from "./svg.ts";

/** One run folder of the campaign: its id and its `run.json`. */
export interface ReportRun {
  readonly runId: string;
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** What a report is built from. */
export interface ReportInput {
  /** The campaign's runs, oldest first. */
  readonly runs: readonly ReportRun[];
  readonly data: CampaignData;
  /** ISO time the report was written (shown, never used for data). */
  readonly generatedAt: string;
}

/** Series per chart beyond which the rest are left out (and counted under the chart). */
export const MAX_SERIES = PALETTE.length;
/** Rows of the notable-iterations table beyond which the rest are counted, not listed. */
export const MAX_NOTABLE_ROWS = 200;

const ms = (v: number) => v / 1e6;

/** A figure as a chart point, converted by `scale`. */
function point(x: number, f: MeanInterval, scale: (v: number) => number, label: string) {
  return { x, y: scale(f.mean), lo: scale(f.lo), hi: scale(f.hi), label: `${label}: ${scale(f.mean).toPrecision(4)} (n=${f.n}, ${intervalText(f, scale)})` };
}

function intervalText(f: MeanInterval, scale: (v: number) => number): string {
  if (f.method === "none") return "no interval: one iteration";
  return `95 % CI ${scale(f.lo).toPrecision(4)}–${scale(f.hi).toPrecision(4)} by ${f.method === "t" ? "t-interval" : "bootstrap"}`;
}

/** Keeps the `MAX_SERIES` largest series (the first one always), and says how many were left out. */
function capSeries(series: Series[], keepFirst: boolean): { series: Series[]; omitted: number } {
  const [first, ...rest] = keepFirst ? series : [undefined, ...series];
  const ranked = rest.filter((s): s is Series => s !== undefined).sort((a, b) => b.points.length - a.points.length || (a.name < b.name ? -1 : 1));
  const kept = [...(first ? [first] : []), ...ranked].slice(0, MAX_SERIES);
  return { series: kept, omitted: series.length - kept.length };
}

interface ChartBlock {
  readonly svg: string;
  readonly note?: string;
}

/** Latency and success rate of one function against its rate: one series per co-load (what ran beside it). */
function functionCharts(fn: string, measured: readonly ConfigSummary[]): ChartBlock[] {
  const groups = new Map<string, ConfigSummary[]>();
  for (const s of measured) {
    if (!s.pairs.some((p) => p.name === fn)) continue;
    const others = s.pairs.filter((p) => p.name !== fn).map((p) => `${p.name}@${p.rate}`).join(", ");
    const name = others === "" ? "alone" : `with ${others}`;
    groups.set(name, [...(groups.get(name) ?? []), s]);
  }
  const names = [...groups.keys()].sort((a, b) => (a === "alone" ? -1 : b === "alone" ? 1 : a < b ? -1 : 1));
  const figureSeries = (figure: FunctionFigure, scale: (v: number) => number): Series[] =>
    names.map((name) => ({
      name,
      points: groups.get(name)!.map((s) => {
        const f = s.functions.find((x) => x.name === fn)!;
        return point(f.rate, f.figures[figure], scale, `${fn}@${f.rate} ${name}`);
      }),
    }));
  const charts: [FunctionFigure, string, string, (v: number) => number, (readonly [number, number])?][] = [
    ["latency_mean", "mean latency", "mean latency (ms)", ms],
    ["latency_p95", "p95 latency", "p95 latency (ms)", ms],
    ["success_rate", "success rate", "success rate (ratio 0..1)", (v) => v, [0, 1]],
  ];
  return charts.map(([figure, title, yLabel, scale, yDomain]) => {
    const { series, omitted } = capSeries(figureSeries(figure, scale), names[0] === "alone");
    const chart: LineChart = { id: `${figure}:${fn}`, title: `${fn}: ${title} against rate`, xLabel: `${fn} rate (req/s)`, yLabel, series, yMin: 0, ...(yDomain ? { yDomain } : {}) };
    return { svg: lineChartSvg(chart), ...(omitted > 0 ? { note: `${omitted} more co-loads not drawn (see analysis/aggregates.parquet)` } : {}) };
  });
}

/** Node CPU and memory against the configuration's total rate: one series per function set. */
function nodeCharts(measured: readonly ConfigSummary[]): ChartBlock[] {
  const sets = new Map<string, ConfigSummary[]>();
  for (const s of measured) sets.set(s.functionSet, [...(sets.get(s.functionSet) ?? []), s]);
  const charts: [NodeFigure, string, string][] = [
    ["cpu_usage_node_pct_of_capacity", "node CPU against total rate", "node CPU (% of the node's capacity)"],
    ["ram_usage_node_percentage", "node memory against total rate", "node memory (% of the node's memory)"],
  ];
  return charts.map(([figure, title, yLabel]) => {
    const all: Series[] = [...sets].map(([set, list]) => ({
      name: set.replaceAll("|", " + "),
      points: list.map((s) => point(s.pairs.reduce((a, p) => a + p.rate, 0), s.node[figure], (v) => v, s.pairs.map((p) => `${p.name}@${p.rate}`).join(", "))),
    }));
    const { series, omitted } = capSeries(all, false);
    return {
      svg: lineChartSvg({ id: `${figure}`, title, xLabel: "total rate of the configuration (req/s)", yLabel, series, yMin: 0 }),
      ...(omitted > 0 ? { note: `${omitted} more function sets not drawn (see analysis/aggregates.parquet)` } : {}),
    };
  });
}

function cellState(s: ConfigSummary): CellState {
  if (s.status === "measured") return s.overloaded ? "overloaded" : "ok";
  if (s.status === "failed") return "failed";
  if (s.status === "unfinished") return "unfinished";
  if (s.overloaded === true) return "inferred_overloaded";
  if (s.overloaded === false) return "inferred_ok";
  return "skipped";
}

/**
 * The frontier of each function set as a heat map over its rate grid: x is the first function's rate, y the rates
 * of the others (one row per combination), so sets of any size fit one map.
 */
function frontierMaps(summaries: readonly ConfigSummary[], frontier: ReadonlySet<string>): string[] {
  const sets = new Map<string, ConfigSummary[]>();
  for (const s of summaries) sets.set(s.functionSet, [...(sets.get(s.functionSet) ?? []), s]);
  const maps: string[] = [];
  for (const [set, list] of sets) {
    const names = list[0]!.pairs.map((p) => p.name);
    const yOf = (s: ConfigSummary) => (s.pairs.length === 1 ? "—" : s.pairs.slice(1).map((p) => String(p.rate)).join(" / "));
    const xValues = [...new Set(list.map((s) => s.pairs[0]!.rate))].sort((a, b) => a - b).map(String);
    const yKeys = [...new Set(list.map((s) => s.pairs.slice(1).map((p) => p.rate)))].map((r) => JSON.stringify(r));
    const yValues = [...new Set(yKeys)]
      .map((k) => JSON.parse(k) as number[])
      .sort((a, b) => a.reduce((d, v, i) => d || v - b[i]!, 0))
      .map((r) => (r.length === 0 ? "—" : r.map(String).join(" / ")));
    const map: HeatMap = {
      id: `frontier:${set}`,
      title: `frontier of ${names.join(" + ")}`,
      xLabel: `${names[0]} rate (req/s)`,
      yLabel: names.length === 1 ? "" : `${names.slice(1).join(" / ")} rate (req/s)`,
      xValues,
      yValues,
      cells: list.map((s) => ({
        x: String(s.pairs[0]!.rate),
        y: yOf(s),
        state: cellState(s),
        frontier: frontier.has(s.configId),
        label: `${s.pairs.map((p) => `${p.name}@${p.rate}`).join(", ")}: ${s.status}${s.reason ? ` (${s.reason})` : ""}${s.overloaded === undefined ? "" : s.overloaded ? ", overloaded" : ", not overloaded"}; ${s.iterations} iterations`,
      })),
    };
    maps.push(heatMapSvg(map));
  }
  return maps;
}

/** Iterations a reader should know about: contended (re-run), aborted early, and failed configurations. */
function notableRows(events: readonly RunEvent[], pairsOf: ReadonlyMap<string, string>): string[][] {
  const rows: string[][] = [];
  for (const e of events) {
    const cfg = "config_id" in e ? (pairsOf.get(e.config_id) ?? e.config_id) : "";
    if (e.type === "iteration_contended") {
      rows.push([e.run_id, cfg, String(e.iteration), "contended", `CPU starvation ${(100 * e.starvation).toFixed(1)} % (limit ${(100 * e.max_starvation).toFixed(1)} %); ${e.will_rerun ? "re-run" : "configuration failed"}`]);
    } else if (e.type === "iteration_aborted_early") {
      rows.push([e.run_id, cfg, String(e.iteration), "aborted early", `after ${e.evidence.elapsed_seconds.toFixed(1)} s: ${e.evidence.reasons.join("; ")}`]);
    } else if (e.type === "config_failed") {
      rows.push([e.run_id, cfg, "", "failed", `${e.reason}: ${e.message}`]);
    }
  }
  return rows;
}

function table(header: readonly string[] | undefined, rows: readonly (readonly string[])[]): string {
  const head = header ? `<thead><tr>${header.map((h) => `<th>${escapeXml(h)}</th>`).join("")}</tr></thead>` : "";
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeXml(c)}</td>`).join("")}</tr>`).join("");
  return `<table>${head}<tbody>${body}</tbody></table>`;
}

const show = (v: unknown): string => (v === undefined ? "—" : typeof v === "string" ? v : JSON.stringify(v));

/** The run's metadata: what the numbers were measured with, and the campaign's identity. */
function metadataRows(input: ReportInput, summaries: readonly ConfigSummary[]): string[][] {
  const last = input.runs.at(-1)?.metadata ?? {};
  const loadgen = (last["loadgen"] ?? {}) as Record<string, unknown>;
  const finished = input.data.events.filter((e): e is Extract<RunEvent, { type: "run_finished" }> => e.type === "run_finished");
  const wall = finished.reduce((a, e) => a + (e.counts.wall_seconds ?? 0), 0);
  const load = finished.reduce((a, e) => a + (e.counts.load_seconds ?? 0), 0);
  const byStatus = (st: string) => String(summaries.filter((s) => s.status === st).length);
  return [
    ["campaign", show(last["campaign_id"])],
    ["runs", input.runs.map((r) => r.runId).join(", ")],
    ["status of the last run", show(finished.at(-1)?.status ?? "not finished")],
    ["platform", `${show(last["platform"])}, ${show(last["node_cores"])} cores`],
    ["platform size and versions", show(last["platform_identity"])],
    ["load generator", `${show(loadgen["name"])} ${show(loadgen["version"])}; settings ${show(loadgen["settings"])}; request timeout ${show(loadgen["request_timeout"])}`],
    ["duration per iteration", show(last["duration"])],
    ["iterations per configuration", `${show(last["iterations"])} (decide early: ${show(last["decide_early"])}; early abort: ${show(last["early_abort"])})`],
    ["overload rules", show(last["overload"])],
    ["configurations", `${summaries.length}: ${byStatus("measured")} measured, ${byStatus("skipped")} skipped, ${byStatus("failed")} failed, ${byStatus("unfinished")} unfinished`],
    ["campaign time", finished.length ? `${formatDuration(wall)} wall, ${formatDuration(load)} of load` : "—"],
    ["started", show(input.runs[0]?.metadata["started_at"])],
    ["report written", input.generatedAt],
    [
      "intervals",
      `95 % confidence intervals of the mean over iterations: Student's t-interval for 2–${BOOTSTRAP_ABOVE} iterations (assumes roughly normal iterations), percentile bootstrap (${BOOTSTRAP_RESAMPLES} resamples) above ${BOOTSTRAP_ABOVE}; one iteration has none`,
    ],
  ];
}

const CSS = `body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1240px}figure{margin:0}h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}th{background:#f4f4f4}
.charts{display:flex;flex-wrap:wrap;gap:12px}.chart{background:#fff;border:1px solid #eee}.note{color:#666;font-size:12px}
svg .title{font-size:13px;font-weight:600}svg .tick,svg .legend{font-size:10px;fill:#444}svg .label{font-size:11px;fill:#222}svg .grid{stroke:#eee}svg .axis{stroke:#888}svg .empty{fill:#999}`;

/** The report's HTML document; `summaries` are {@link aggregateCampaign} of `input.data` (computed once by the caller). */
export function reportHtml(input: ReportInput, summaries: readonly ConfigSummary[] = aggregateCampaign(input.data)): string {
  const frontier = frontierIds(summaries);
  const measured = summaries.filter((s) => s.status === "measured");
  const functions = [...new Set(summaries.flatMap((s) => s.pairs.map((p) => p.name)))].sort();
  const pairsOf = new Map(summaries.map((s) => [s.configId, s.pairs.map((p) => `${p.name}@${p.rate}`).join(", ")]));
  const notable = notableRows(input.data.events, pairsOf);
  const blocks = (list: ChartBlock[]) => `<div class="charts">${list.map((b) => `<figure>${b.svg}${b.note ? `<figcaption class="note">${escapeXml(b.note)}</figcaption>` : ""}</figure>`).join("")}</div>`;
  const campaign = show(input.runs.at(-1)?.metadata["campaign_id"]);
  return [
    "<!doctype html>",
    `<html lang="en"><head><meta charset="utf-8"><title>peva-lab report: campaign ${escapeXml(campaign)}</title><style>${CSS}</style></head><body>`,
    `<h1>peva-lab campaign report</h1>`,
    `<h2>Run</h2>${table(undefined, metadataRows(input, summaries))}`,
    `<h2>Frontier</h2><p class="note">Each cell is one configuration; outlined cells are the frontier: the highest rates known not to overload.</p>${heatMapLegendSvg()}<div class="charts">${frontierMaps(summaries, frontier).join("")}</div>`,
    ...functions.map((fn) => `<h2>${escapeXml(fn)}</h2><p class="note">Mean over iterations with its 95 % interval as a band.</p>${blocks(functionCharts(fn, measured))}`),
    `<h2>Node</h2>${blocks(nodeCharts(measured))}`,
    `<h2>Contended, aborted and failed iterations</h2>`,
    notable.length === 0
      ? `<p>None: no iteration was starved of CPU, stopped early or failed.</p>`
      : table(["run", "configuration", "iteration", "what", "detail"], notable.slice(0, MAX_NOTABLE_ROWS)) +
        (notable.length > MAX_NOTABLE_ROWS ? `<p class="note">${notable.length - MAX_NOTABLE_ROWS} more in events.jsonl</p>` : ""),
    "</body></html>",
    "",
  ].join("\n");
}
