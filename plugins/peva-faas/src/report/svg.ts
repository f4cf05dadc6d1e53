/**
 * The report's charts as SVG text, drawn when the report is written (no script in the page, no library). Pure.
 * Every data mark carries the class `mark`, so a test (or a reader's tool) can count what a chart drew.
 */

/** Colour-blind-safe palette (Okabe–Ito order); series beyond it are not drawn (the caller caps them). */
export const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"] as const;

/** Escapes text for SVG/HTML element content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** One point of a series: x, y and an optional interval [lo, hi] drawn as a band. */
export interface SeriesPoint {
  readonly x: number;
  readonly y: number;
  readonly lo?: number;
  readonly hi?: number;
  /** The tooltip (plain text). */
  readonly label?: string;
}

/** A line with its points; the band is drawn where points have both bounds. */
export interface Series {
  readonly name: string;
  readonly points: readonly SeriesPoint[];
}

/** A line chart with optional interval bands. */
export interface LineChart {
  /** Identifies the chart in the page (`data-chart`). */
  readonly id: string;
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  /** Fixed y range (e.g. 0..1 for a ratio); otherwise from the data, including the bands. */
  readonly yDomain?: readonly [number, number];
  /**
   * The lowest value the quantity can take (0 for latencies, CPU, memory): the axis starts there and a band that
   * reaches below it (a t-interval of two iterations can) is cut at it. The tooltips keep the computed bounds.
   */
  readonly yMin?: number;
}

const W = 600;
const H = 300;
// The legend sits right of the plot, never over the data.
const LEGEND_W = 150;
const M = { top: 34, right: 16 + LEGEND_W, bottom: 44, left: 64 };

const fmt = (v: number): string => {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-3) return v.toExponential(1);
  return Number(v.toPrecision(4)).toString();
};

/** "Nice" tick values covering [lo, hi] (about five of them). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function extent(values: readonly number[]): [number, number] {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return [0, 1];
  let lo = Math.min(...finite);
  let hi = Math.max(...finite);
  if (lo === hi) {
    lo -= lo === 0 ? 1 : Math.abs(lo) * 0.1;
    hi += hi === 0 ? 1 : Math.abs(hi) * 0.1;
  }
  return [lo, hi];
}

function frame(id: string, title: string, body: string, width = W, height = H): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="${escapeXml(id)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(title)}">` +
    `<text x="${width / 2}" y="18" text-anchor="middle" class="title">${escapeXml(title)}</text>${body}</svg>`
  );
}

/** Renders a {@link LineChart}; a chart without any finite point says so instead of drawing empty axes. */
export function lineChartSvg(chart: LineChart): string {
  const pts = chart.series.flatMap((s) => s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)));
  if (pts.length === 0) return frame(chart.id, chart.title, `<text x="${W / 2}" y="${H / 2}" text-anchor="middle" class="empty">no measured data</text>`);
  const [x0, x1] = extent(pts.map((p) => p.x));
  const [y0, y1] = chart.yDomain ?? extent(pts.flatMap((p) => [p.y, p.lo ?? p.y, p.hi ?? p.y]));
  const yLo = chart.yDomain ? y0 : chart.yMin ?? Math.min(0, y0);
  const iw = W - M.left - M.right;
  const ih = H - M.top - M.bottom;
  const sx = (x: number) => M.left + ((x - x0) / (x1 - x0)) * iw;
  const sy = (y: number) => M.top + ih - ((Math.min(Math.max(y, yLo), y1) - yLo) / (y1 - yLo)) * ih;
  const parts: string[] = [];
  // Axes and grid.
  for (const t of niceTicks(yLo, y1)) {
    parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${sy(t).toFixed(1)}" y2="${sy(t).toFixed(1)}" class="grid"/>`);
    parts.push(`<text x="${M.left - 6}" y="${(sy(t) + 4).toFixed(1)}" text-anchor="end" class="tick">${fmt(t)}</text>`);
  }
  for (const t of niceTicks(x0, x1)) {
    parts.push(`<text x="${sx(t).toFixed(1)}" y="${H - M.bottom + 16}" text-anchor="middle" class="tick">${fmt(t)}</text>`);
  }
  parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${M.top + ih}" y2="${M.top + ih}" class="axis"/>`);
  parts.push(`<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + ih}" class="axis"/>`);
  parts.push(`<text x="${M.left + iw / 2}" y="${H - 8}" text-anchor="middle" class="label">${escapeXml(chart.xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${M.top + ih / 2}) rotate(-90)" text-anchor="middle" class="label">${escapeXml(chart.yLabel)}</text>`);
  chart.series.forEach((s, i) => {
    const colour = PALETTE[i % PALETTE.length]!;
    const points = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).sort((a, b) => a.x - b.x);
    const banded = points.filter((p) => Number.isFinite(p.lo) && Number.isFinite(p.hi));
    if (banded.length >= 2) {
      const upper = banded.map((p) => `${sx(p.x).toFixed(1)},${sy(p.hi!).toFixed(1)}`);
      const lower = banded.map((p) => `${sx(p.x).toFixed(1)},${sy(p.lo!).toFixed(1)}`).reverse();
      parts.push(`<polygon class="mark band" fill="${colour}" fill-opacity="0.18" stroke="none" points="${[...upper, ...lower].join(" ")}"/>`);
    } else {
      for (const p of banded) {
        parts.push(`<line class="mark errorbar" stroke="${colour}" x1="${sx(p.x).toFixed(1)}" x2="${sx(p.x).toFixed(1)}" y1="${sy(p.lo!).toFixed(1)}" y2="${sy(p.hi!).toFixed(1)}"/>`);
      }
    }
    if (points.length >= 2) {
      parts.push(`<polyline class="mark line" fill="none" stroke="${colour}" stroke-width="2" points="${points.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(" ")}"/>`);
    }
    for (const p of points) {
      parts.push(`<circle class="mark point" cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="3" fill="${colour}"><title>${escapeXml(p.label ?? `${s.name}: ${fmt(p.x)} → ${fmt(p.y)}`)}</title></circle>`);
    }
  });
  // Legend, right of the plot, one row per series.
  chart.series.forEach((s, i) => {
    const y = M.top + 4 + i * 14;
    const x = W - LEGEND_W;
    parts.push(`<rect x="${x}" y="${y}" width="10" height="10" fill="${PALETTE[i % PALETTE.length]}"/>`);
    parts.push(`<text x="${x + 14}" y="${y + 9}" class="legend">${escapeXml(s.name.length > 24 ? `${s.name.slice(0, 23)}…` : s.name)}</text>`);
  });
  return frame(chart.id, chart.title, parts.join(""));
}

/** How a heat-map cell looks: its state decides the fill, the frontier gets an outline. */
export type CellState = "ok" | "overloaded" | "inferred_ok" | "inferred_overloaded" | "failed" | "unfinished" | "skipped";

/** Fill and legend text per cell state: measured states are solid, inferred ones pale, failed grey with a cross. */
export const CELL_STYLE: Readonly<Record<CellState, { readonly fill: string; readonly legend: string }>> = {
  ok: { fill: "#1a9850", legend: "measured, not overloaded" },
  overloaded: { fill: "#d73027", legend: "measured, overloaded" },
  inferred_ok: { fill: "#a6d96a", legend: "skipped: below a known success" },
  inferred_overloaded: { fill: "#fdae61", legend: "skipped: dominated by an overload" },
  skipped: { fill: "#e0e0e0", legend: "skipped (earlier run)" },
  failed: { fill: "#878787", legend: "failed (no verdict)" },
  unfinished: { fill: "#ffffff", legend: "started, not finished" },
};

/** A heat map over a rate grid: one column per x value, one row per y value. */
export interface HeatMap {
  readonly id: string;
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly xValues: readonly string[];
  readonly yValues: readonly string[];
  readonly cells: readonly { readonly x: string; readonly y: string; readonly state: CellState; readonly frontier: boolean; readonly label: string }[];
}

/** Renders a {@link HeatMap}; cells on the frontier get a thick black outline. */
export function heatMapSvg(map: HeatMap): string {
  const cols = Math.max(1, map.xValues.length);
  const rows = Math.max(1, map.yValues.length);
  const cell = Math.max(6, Math.min(36, Math.floor(440 / Math.max(cols, rows))));
  const left = 90;
  const top = 34;
  const width = Math.max(240, left + cols * cell + 20);
  const height = top + rows * cell + 44;
  const xi = new Map(map.xValues.map((v, i) => [v, i]));
  const yi = new Map(map.yValues.map((v, i) => [v, i]));
  const parts: string[] = [];
  // Label every k-th column or row so labels never overlap (x labels are wider than a row is tall).
  const everyX = Math.max(1, Math.ceil(26 / cell));
  const everyY = Math.max(1, Math.ceil(13 / cell));
  map.xValues.forEach((v, i) => {
    if (i % everyX === 0) parts.push(`<text x="${left + i * cell + cell / 2}" y="${top + rows * cell + 14}" text-anchor="middle" class="tick">${escapeXml(v)}</text>`);
  });
  map.yValues.forEach((v, i) => {
    // Rows go upwards: the lowest y value at the bottom, as on a rate axis.
    if (i % everyY === 0) parts.push(`<text x="${left - 6}" y="${top + (rows - 1 - i) * cell + cell / 2 + 4}" text-anchor="end" class="tick">${escapeXml(v)}</text>`);
  });
  parts.push(`<text x="${left + (cols * cell) / 2}" y="${top + rows * cell + 32}" text-anchor="middle" class="label">${escapeXml(map.xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${top + (rows * cell) / 2}) rotate(-90)" text-anchor="middle" class="label">${escapeXml(map.yLabel)}</text>`);
  for (const c of map.cells) {
    const x = left + xi.get(c.x)! * cell;
    const y = top + (rows - 1 - yi.get(c.y)!) * cell;
    const style = CELL_STYLE[c.state];
    const outline = c.frontier ? ` stroke="#000" stroke-width="${Math.max(1.5, cell / 10)}"` : ` stroke="#fff" stroke-width="0.5"`;
    parts.push(`<rect class="mark cell ${c.state}${c.frontier ? " frontier" : ""}" x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${style.fill}"${outline}><title>${escapeXml(c.label)}</title></rect>`);
    if (c.state === "failed") parts.push(`<path d="M${x + 2} ${y + 2}L${x + cell - 2} ${y + cell - 2}M${x + cell - 2} ${y + 2}L${x + 2} ${y + cell - 2}" stroke="#fff"/>`);
  }
  return frame(map.id, map.title, parts.join(""), width, height);
}

/** The heat maps' legend, drawn once for all of them: every cell state and the frontier outline. */
export function heatMapLegendSvg(): string {
  const states = Object.keys(CELL_STYLE) as CellState[];
  const parts = states.map((s, i) => {
    const x = 10 + (i % 4) * 240;
    const y = 8 + Math.floor(i / 4) * 20;
    return `<rect x="${x}" y="${y}" width="12" height="12" fill="${CELL_STYLE[s].fill}" stroke="#999"/><text x="${x + 18}" y="${y + 10}" class="legend">${escapeXml(CELL_STYLE[s].legend)}</text>`;
  });
  const x = 10 + (states.length % 4) * 240;
  const y = 8 + Math.floor(states.length / 4) * 20;
  parts.push(`<rect x="${x}" y="${y}" width="12" height="12" fill="none" stroke="#000" stroke-width="2"/><text x="${x + 18}" y="${y + 10}" class="legend">frontier: highest rates not overloaded</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" class="legend-key" viewBox="0 0 970 50" width="970" height="50" role="img" aria-label="heat map legend">${parts.join("")}</svg>`;
}
