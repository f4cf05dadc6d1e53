/**
 * How a run window `[start, end]` is evaluated without leaking pre-run data (upstream defect 14: each range
 * point looked back a whole `duration`, so early points covered time before k6 started). Pure.
 */
import type { SettingsIssue } from "@peva-lab/core";

/** An evaluation plan for one window. */
export type WindowPlan =
  | {
      /** One instant query at `time` (= end) with `timeSpan` = exactly `end - start`. */
      readonly kind: "instant";
      readonly time: number;
      readonly timeSpan: string;
    }
  | {
      /** A range query whose points each look back one step; the points cover `(end - n·step, end]` ⊆ `(start, end]`. */
      readonly kind: "range";
      readonly start: number;
      readonly end: number;
      readonly stepSeconds: number;
      readonly timeSpan: string;
    };

/** Formats seconds as a PromQL duration in whole milliseconds (`45123ms`), at least `1ms`. */
export function promDuration(seconds: number): string {
  return `${Math.max(1, Math.floor(seconds * 1000))}ms`;
}

/**
 * Plans the evaluation of `[start, end]` (epoch seconds).
 * - `at_end`: instant query at `end` over exactly the window;
 * - `range`: `n = floor((end - start) / step)` points ending at `end`, each looking back one step; falls back to
 *   `at_end` when the window is shorter than one step.
 */
export function planWindow(start: number, end: number, mode: "at_end" | "range", stepSeconds: number): WindowPlan {
  if (!(end > start)) throw new RangeError(`invalid window: end (${end}) must be after start (${start})`);
  const n = Math.floor((end - start) / stepSeconds);
  if (mode === "range" && n >= 1) {
    return {
      kind: "range",
      start: end - (n - 1) * stepSeconds,
      end,
      stepSeconds,
      timeSpan: `${stepSeconds}s`,
    };
  }
  return { kind: "instant", time: end, timeSpan: promDuration(end - start) };
}

/**
 * Scrape intervals a measurement window must span. `rate()` needs two samples inside its window; three intervals
 * hold two whatever the phase of the scrapes and their jitter (two intervals were observed to hold only one).
 */
export const MIN_SCRAPES_PER_WINDOW = 3;

/**
 * The trailing window (seconds) of an idle snapshot (the cooldown's checks, and at least that for the idle
 * baseline): {@link MIN_SCRAPES_PER_WINDOW} scrapes, and never under 5 s, so a rate() over it always holds two
 * samples (a fixed 5 s held one at a 5 s scrape interval). Pure.
 */
export function snapshotWindowSeconds(scrapeIntervalSeconds: number): number {
  return Math.max(5, Math.ceil(MIN_SCRAPES_PER_WINDOW * scrapeIntervalSeconds));
}

/**
 * Why the load window (`duration`) or, in `range` mode, each point's look-back (`range_step_seconds`) is too short
 * for a Prometheus scraping every `scrapeIntervalSeconds`; empty when both are long enough. Pure.
 */
export function windowIssues(
  settings: { readonly duration: string; readonly duration_seconds: number; readonly prometheus: { readonly window_mode: "at_end" | "range"; readonly range_step_seconds: number } },
  scrapeIntervalSeconds: number,
): SettingsIssue[] {
  const minimum = MIN_SCRAPES_PER_WINDOW * scrapeIntervalSeconds;
  const why = `the platform's Prometheus scrapes every ${scrapeIntervalSeconds} s, and a window needs ${MIN_SCRAPES_PER_WINDOW} scrapes to hold the two samples rate() needs`;
  const issues: SettingsIssue[] = [];
  if (settings.duration_seconds < minimum) {
    issues.push({ path: ["duration"], message: `duration ${settings.duration} is shorter than the minimum ${minimum}s: ${why}` });
  }
  if (settings.prometheus.window_mode === "range" && settings.prometheus.range_step_seconds < minimum) {
    issues.push({
      path: ["prometheus", "range_step_seconds"],
      message: `range_step_seconds ${settings.prometheus.range_step_seconds} is shorter than the minimum ${minimum}: each point looks back one step, and ${why}`,
    });
  }
  return issues;
}
