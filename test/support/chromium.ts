/**
 * Renders an HTML file in the bootstrap's headless Chromium (Debian's `chromium`, driven by playwright-core) with
 * every network request refused, and reports what each chart drew, the console errors, and the requests the page
 * tried to make. Keeps a full-page screenshot under `test-artifacts/`.
 */
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { REPO, requireTool } from "./toolchain.ts";

/** One chart of the page: its `data-chart` id, its marks, and how many of them have a visible size. */
export interface RenderedChart {
  readonly id: string;
  readonly marks: number;
  readonly drawn: number;
}

/** What a page did in the browser. */
export interface RenderedPage {
  readonly charts: readonly RenderedChart[];
  readonly consoleErrors: readonly string[];
  /** URLs other than the file itself that the page asked for (an offline report asks for none). */
  readonly requests: readonly string[];
  readonly screenshot: string;
}

/** Where a test's screenshots go (git-ignored; CI keeps the folder as an artifact). */
export const ARTIFACTS = join(REPO, "test-artifacts");

/** Opens `htmlPath` in headless Chromium, waits for load, inspects the charts, and saves `<name>.png`. */
export async function renderInChromium(htmlPath: string, name: string): Promise<RenderedPage> {
  const browser = await chromium.launch({ executablePath: requireTool("chromium"), args: ["--no-sandbox"] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const consoleErrors: string[] = [];
    const requests: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(m.text());
    });
    page.on("pageerror", (e) => consoleErrors.push(e.message));
    const url = pathToFileURL(htmlPath).href;
    await page.route("**/*", (route) => {
      if (route.request().url() === url) return route.continue();
      requests.push(route.request().url());
      return route.abort();
    });
    await page.goto(url, { waitUntil: "load", timeout: 60_000 });
    const charts = await page.$$eval("svg.chart", (svgs) =>
      svgs.map((svg) => {
        const marks = [...svg.querySelectorAll(".mark")];
        const drawn = marks.filter((m) => {
          const r = m.getBoundingClientRect();
          return r.width > 0 || r.height > 0;
        }).length;
        return { id: svg.getAttribute("data-chart") ?? "", marks: marks.length, drawn };
      }),
    );
    const screenshot = join(ARTIFACTS, `${name}.png`);
    mkdirSync(dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
    return { charts, consoleErrors, requests, screenshot };
  } finally {
    await browser.close();
  }
}
