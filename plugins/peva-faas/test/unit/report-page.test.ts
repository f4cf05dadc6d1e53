/** The report page built from a small campaign: which charts exist, what they draw, and that no text becomes markup. */
import { describe, expect, it } from "vitest";
import type { CampaignData, LongRow } from "../../src/analysis/campaign-data.ts";
import { reportHtml } from "../../src/report/page.ts";
import { escapeXml, niceTicks } from "../../src/report/svg.ts";
import type { RunEvent } from "../../src/runner/events.ts";

const ev = (e: Record<string, unknown>): RunEvent => ({ run_id: "r1", ts: 0, ...e }) as RunEvent;
const rows = (id: string, fn: string, rate: number, it: number, latencyMs: number): LongRow[] =>
  [
    ["latency_mean", latencyMs * 1e6],
    ["latency_p95", 2 * latencyMs * 1e6],
    ["success_rate", 1],
    ["cpu_usage_node_pct_of_capacity", rate],
    ["ram_usage_node_percentage", 5],
  ].map(([metric, value]) => ({
    runId: "r1", repetition: 1, iteration: it, configId: id, functionName: String(metric).includes("node") ? "" : fn,
    rate: String(metric).includes("node") ? Number.NaN : rate, metric: String(metric), value: Number(value), unit: "",
  }));

const data: CampaignData = {
  longRows: [10, 20, 30].flatMap((rate) => [1, 2, 3].flatMap((it) => rows(`f${rate}`, "figlet", rate, it, rate / 10 + it))),
  events: [
    ...[10, 20, 30].flatMap((rate) => [
      ev({ type: "config_started", config_id: `f${rate}`, pairs: [{ name: "figlet", rate }], index: 1, total: 4 }),
      ev({ type: "config_done", config_id: `f${rate}`, overloaded: rate === 30 }),
    ]),
    ev({ type: "config_started", config_id: "x", pairs: [{ name: "figlet", rate: 40 }], index: 4, total: 4 }),
    ev({ type: "config_failed", config_id: "x", reason: "loadgen", message: "<script>alert(1)</script>" }),
    ev({ type: "iteration_aborted_early", config_id: "f30", iteration: 2, evidence: { elapsed_seconds: 2.5, share: 0.25, answered: 80, reasons: ["node: best avg success 0.4 < 0.95"], functions: [] } }),
  ],
};

const html = reportHtml({ runs: [{ runId: "r1", metadata: { campaign_id: "c0ffee", platform: "local", node_cores: 1, duration: "10s", iterations: 3 } }], data, generatedAt: "2026-12-03T00:00:00Z" });

/** The marks drawn by the chart `id`, by class. */
function marks(id: string): Record<string, number> {
  const start = html.indexOf(`data-chart="${id}"`);
  expect(start, `chart ${id}`).toBeGreaterThan(0);
  const svg = html.slice(start, html.indexOf("</svg>", start));
  const out: Record<string, number> = {};
  for (const m of svg.matchAll(/class="mark ([a-z_]+)/g)) out[m[1]!] = (out[m[1]!] ?? 0) + 1;
  return out;
}

describe("reportHtml", () => {
  it("draws latency, p95 and success curves of each function with a CI band and one point per rate", () => {
    for (const id of ["latency_mean:figlet", "latency_p95:figlet", "success_rate:figlet"]) {
      expect(marks(id)).toEqual({ band: 1, line: 1, point: 3 });
    }
    expect(marks("cpu_usage_node_pct_of_capacity")).toEqual({ band: 1, line: 1, point: 3 });
    expect(marks("ram_usage_node_percentage")).toEqual({ band: 1, line: 1, point: 3 });
  });

  it("draws the frontier heat map with measured, overloaded and failed cells, the frontier outlined", () => {
    expect(marks("frontier:figlet")).toEqual({ cell: 4 });
    expect(html).toMatch(/class="mark cell ok frontier"[^>]*><title>figlet@20: measured/);
    expect(html).toMatch(/class="mark cell overloaded"[^>]*><title>figlet@30/);
    expect(html).toMatch(/class="mark cell failed"[^>]*><title>figlet@40: failed \(loadgen\)/);
  });

  it("lists failed and aborted iterations, with their text escaped, and states the run's metadata and the interval method", () => {
    expect(html).not.toContain("<script>");
    expect(html).toContain("loadgen: &lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("after 2.5 s: node: best avg success 0.4 &lt; 0.95");
    expect(html).toContain("<td>campaign</td><td>c0ffee</td>");
    expect(html).toContain("Student&#39;s t-interval for 2–20 iterations");
    expect(html).toContain("4: 3 measured, 0 skipped, 1 failed, 0 unfinished");
  });
});

describe("svg helpers", () => {
  it("escapes every character that could end an attribute or start markup", () => {
    expect(escapeXml(`<a href="x" onload='y'>&`)).toBe("&lt;a href=&quot;x&quot; onload=&#39;y&#39;&gt;&amp;");
  });

  it("picks round ticks", () => {
    expect(niceTicks(0, 100)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(3, 3)).toEqual([3]);
  });
});
