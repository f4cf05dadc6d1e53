/**
 * Before any load, every query the campaign will evaluate must find series in Prometheus: the node's, and each
 * per-function query for each of the campaign's functions. Upstream's per-function queries found nothing on k3s
 * (cAdvisor `--docker_only` on containerd, defect 3), and each such query then retried for 120 s and recorded NaN,
 * for the whole campaign. Here a missing series stops the run before it starts, naming the query, the function and
 * the queries file. The check waits a bounded time, because a function deployed seconds ago may not be scraped yet.
 */
import { isFunctionQuery, renderQuery, type QueryDefinition } from "./queries.ts";
import { snapshotWindowSeconds } from "./window.ts";

/** Counts the series an instant query returns, without retrying an empty result. */
export interface SeriesCounter {
  countSeries(query: string): Promise<number>;
}

/** One query that found no series: its name, the function it was rendered for, and the PromQL sent. */
export interface MissingSeries {
  readonly query: string;
  readonly function?: string;
  readonly promql: string;
}

/**
 * `Prometheus has no series after <s> s for <query> (function '<name>'), …; queries file <path>: …` — the campaign's
 * figures would be NaN, so no load is sent.
 */
export class MissingSeriesError extends Error {
  override name = "MissingSeriesError";
  readonly missing: readonly MissingSeries[];
  constructor(missing: readonly MissingSeries[], queriesPath: string, waitedSeconds: number) {
    const what = missing.map((m) => (m.function === undefined ? m.query : `${m.query} (function '${m.function}')`));
    super(
      `Prometheus has no series after ${waitedSeconds} s for ${what.join(", ")}; queries file ${queriesPath}: each ` +
        "query needs a scrape job exporting its metric with the labels it selects (on OpenFaaS: node-exporter, the " +
        "kubelet's cAdvisor and the gateway), and each function must be deployed and running; no load was sent\n" +
        missing.map((m) => `  ${m.query}${m.function === undefined ? "" : ` [${m.function}]`}: ${m.promql}`).join("\n"),
    );
    this.missing = missing;
  }
}

/** The longest wait for series (seconds) at a scrape interval: ten scrapes, and never under a minute. */
export function seriesWaitSeconds(scrapeIntervalSeconds: number): number {
  return Math.max(60, Math.ceil(10 * scrapeIntervalSeconds));
}

/** Inputs of {@link checkQuerySeries}. */
export interface SeriesCheckOptions {
  /** The queries the campaign evaluates (already filtered by `enabled_if`). */
  readonly queries: readonly QueryDefinition[];
  /** The campaign's function names. */
  readonly functions: readonly string[];
  /** Function name → PID regex; a `{pid_regex}` query is checked only for the functions that have one. */
  readonly pidRegexes?: Readonly<Record<string, string>> | undefined;
  /** The queries file, for the error message. */
  readonly queriesPath: string;
  readonly scrapeIntervalSeconds: number;
  /** Longest wait in seconds (default {@link seriesWaitSeconds}). */
  readonly waitSeconds?: number | undefined;
  /** Pause between two rounds in seconds (default 1). */
  readonly pollSeconds?: number;
  /** Injectable for tests. */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The PromQL the check sends: each query over the trailing window an idle snapshot uses. Pure. */
export function seriesProbes(opts: Pick<SeriesCheckOptions, "queries" | "functions" | "pidRegexes" | "scrapeIntervalSeconds">): MissingSeries[] {
  const timeSpan = `${snapshotWindowSeconds(opts.scrapeIntervalSeconds)}s`;
  const probes: MissingSeries[] = [];
  for (const q of opts.queries) {
    if (!isFunctionQuery(q)) {
      probes.push({ query: q.name, promql: renderQuery(q.query, { time_span: timeSpan }) });
      continue;
    }
    for (const fn of opts.functions) {
      const pid = opts.pidRegexes?.[fn];
      // Collection skips such a query for a function without a PID regex; so does the check.
      if (q.query.includes("{pid_regex}") && pid === undefined) continue;
      const vars = { time_span: timeSpan, function_name: fn, ...(pid !== undefined ? { pid_regex: pid } : {}) };
      probes.push({ query: q.name, function: fn, promql: renderQuery(q.query, vars) });
    }
  }
  return probes;
}

/**
 * Asks Prometheus for every probe of {@link seriesProbes} until each has returned a series at least once, or the wait
 * is over. Throws {@link MissingSeriesError} listing what never appeared; a query Prometheus refuses (a syntax
 * error, an unreachable server) fails at once with the counter's own error.
 */
export async function checkQuerySeries(prometheus: SeriesCounter, opts: SeriesCheckOptions): Promise<void> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const waitSeconds = opts.waitSeconds ?? seriesWaitSeconds(opts.scrapeIntervalSeconds);
  const deadline = now() + waitSeconds * 1000;
  let pending = seriesProbes(opts);
  for (;;) {
    const still: MissingSeries[] = [];
    for (const probe of pending) if ((await prometheus.countSeries(probe.promql)) === 0) still.push(probe);
    pending = still;
    if (pending.length === 0) return;
    if (now() >= deadline) throw new MissingSeriesError(pending, opts.queriesPath, waitSeconds);
    await sleep((opts.pollSeconds ?? 1) * 1000);
  }
}
