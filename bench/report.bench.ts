/**
 * The campaign report at scale (issue 16): a synthetic campaign of about 10^4 configurations (8 functions, sets of
 * 1–2, 19 rates, 3 iterations) against the default campaign's size (2 functions, 4 rates) as the baseline, both
 * measured in this run. Reported: the time to write report.html and the analysis Parquet files, the HTML size, and
 * the time headless Chromium takes to open it (navigation to load, then two animation frames, so it has been laid
 * out and painted), median of 3 fresh pages.
 *
 * Targets (the issue's): the large report under 5 MB and open in under 2 s. Exits 1 if either is missed.
 *
 * Run: `node bench/report.bench.ts`, or `make bench BENCH=report`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { findOnPath } from "../plugins/core/src/index.ts";
import { writeCampaignReport } from "../plugins/peva-faas/src/report/index.ts";
import { writeSyntheticRunFolder, type SyntheticCampaign } from "../plugins/peva-faas/test/support/synthetic-run.ts";

const MAX_BYTES = 5 * 1024 * 1024;
const MAX_OPEN_MS = 2000;

const chromiumPath = findOnPath("chromium", (process.env["PATH"] ?? "").split(":"));
if (!chromiumPath) {
  console.error("chromium is not installed; run `make bootstrap` (scripts/bootstrap) to install it");
  process.exit(2);
}

const capacities = (names: string[]) => Object.fromEntries(names.map((n, i) => [n, 40 + 20 * i]));
const cases: { label: string; campaign: SyntheticCampaign }[] = [
  {
    label: "default campaign's size (baseline)",
    campaign: { functions: capacities(["figlet", "shasum"]), rates: [15, 30, 45, 60], maxFunctions: 2, iterations: 3, runId: "bench-small", campaignId: "small" },
  },
  {
    label: "large: 8 functions, sets of 1–2, 19 rates",
    campaign: {
      functions: capacities(["figlet", "shasum", "env", "nmap", "curl", "eat-memory", "cows", "qrcode"]),
      rates: Array.from({ length: 19 }, (_, i) => 10 * (i + 1)),
      maxFunctions: 2,
      iterations: 3,
      runId: "bench-large",
      campaignId: "large",
    },
  },
];

const root = mkdtempSync(join(tmpdir(), "peva-report-bench-"));
const browser = await chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox"] });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Median time to open `path` in a fresh page until loaded and painted, ms. */
async function openMs(path: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const t0 = performance.now();
    await page.goto(pathToFileURL(path).href, { waitUntil: "load", timeout: 60_000 });
    // A string: the page's own globals (requestAnimationFrame) are not in this project's type libraries.
    await page.evaluate("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))");
    times.push(performance.now() - t0);
    await page.close();
  }
  return median(times);
}

const rows: { label: string; configs: number; rows: number; writeS: number; bytes: number; openMs: number }[] = [];
try {
  for (const c of cases) {
    const folder = join(root, "output", "bench", c.campaign.runId, "localhost", "peva_faas");
    const configs = await writeSyntheticRunFolder(folder, c.campaign);
    const t0 = performance.now();
    const written = await writeCampaignReport(folder);
    const writeS = (performance.now() - t0) / 1000;
    const open = await openMs(written.html);
    rows.push({ label: c.label, configs, rows: written.configurations, writeS, bytes: written.bytes, openMs: open });
    process.stderr.write(`report: ${c.label}: ${configs} configurations, ${(written.bytes / 1024).toFixed(0)} KiB, written in ${writeS.toFixed(2)} s, opened in ${open.toFixed(0)} ms\n`);
  }
} finally {
  await browser.close();
  rmSync(root, { recursive: true, force: true });
}

const [small, large] = [rows[0]!, rows[1]!];
const met = large.bytes < MAX_BYTES && large.openMs < MAX_OPEN_MS;
console.log(`## Campaign report at scale (issue 16)

Synthetic campaigns (\`plugins/peva-faas/test/support/synthetic-run.ts\`: a capacity model, not measurements), written by \`writeCampaignReport\` (report.html plus analysis/{aggregates,frontier,long}.parquet) and opened in headless Chromium (${chromiumPath}); open time = navigation to the load event and two animation frames, median of 3 fresh pages.

| campaign | configurations | write report + Parquet | report.html | open in Chromium |
|---|---|---|---|---|
${rows.map((r) => `| ${r.label} | ${r.configs} | ${r.writeS.toFixed(2)} s | ${(r.bytes / 1024).toFixed(0)} KiB | ${r.openMs.toFixed(0)} ms |`).join("\n")}

Large against the baseline: ${(large.configs / small.configs).toFixed(0)}× the configurations, ${(large.writeS / small.writeS).toFixed(1)}× the write time, ${(large.bytes / small.bytes).toFixed(1)}× the size, ${(large.openMs / small.openMs).toFixed(1)}× the open time.

Targets (large report under 5 MB, opened in under 2 s): ${met ? "**met**" : "**not met**"} (${(large.bytes / 2 ** 20).toFixed(2)} MB, ${large.openMs.toFixed(0)} ms).`);
process.exit(met ? 0 : 1);
