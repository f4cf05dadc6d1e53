/**
 * The k6 command line, its environment and exit codes. Pure.
 */
import { join } from "node:path";
import { SUMMARY_TREND_STATS } from "./script.ts";
import { SUMMARY_PATH_ENV } from "./summary-builder.ts";

/** Files of one run inside the request's work directory (fixed names: the directory belongs to one run). */
export interface K6Files {
  readonly script: string;
  /** Our `peva-faas-k6-summary/v2` document, written by the script's `handleSummary`. */
  readonly summary: string;
  /** k6's stdout and stderr, merged line by line. */
  readonly log: string;
}

/** The files of a run in `workDir`. */
export function k6Files(workDir: string): K6Files {
  return { script: join(workDir, "script.js"), summary: join(workDir, "summary.v2.json"), log: join(workDir, "k6.log") };
}

/** Inputs of {@link buildK6Argv}. */
export interface K6ArgvInput {
  readonly files: Pick<K6Files, "script" | "summary">;
  /** Extra `--out` values (already trimmed; empty entries are skipped anyway). */
  readonly outputs?: readonly string[];
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * `run --no-usage-report --quiet --no-color --address 127.0.0.1:0 --summary-trend-stats … --env
 * PEVA_SUMMARY_PATH=<summary> [--out o]… [--tag k=v]… <script>` (without the executable). The REST API binds an
 * ephemeral loopback port so concurrent runs do not clash on 6565.
 */
export function buildK6Argv(input: K6ArgvInput): string[] {
  const argv = [
    "run",
    // k6 otherwise reports anonymous usage to its vendor on every run: traffic off this machine the lab never sends.
    "--no-usage-report",
    "--quiet",
    "--no-color",
    "--address",
    "127.0.0.1:0",
    "--summary-trend-stats",
    SUMMARY_TREND_STATS.join(","),
    "--env",
    `${SUMMARY_PATH_ENV}=${input.files.summary}`,
  ];
  for (const o of input.outputs ?? []) {
    const t = o.trim();
    if (t) argv.push("--out", t);
  }
  for (const [k, v] of Object.entries(input.tags ?? {})) argv.push("--tag", `${k}=${v}`);
  argv.push(input.files.script);
  return argv;
}

/**
 * The environment of the k6 process: the request's, plus the variables that keep k6 from phoning home and pin
 * what the plugin reads (the legacy `handleSummary` layout, thresholds on: they carry the per-scenario submetrics).
 */
export function k6Environment(env: Readonly<Record<string, string>>): Record<string, string> {
  return {
    ...env,
    K6_NO_USAGE_REPORT: "true",
    K6_NEW_MACHINE_READABLE_SUMMARY: "false",
    K6_NO_THRESHOLDS: "false",
  };
}

/** k6 exit codes the plugin names. */
export const K6_EXIT_CODES: Readonly<Record<number, string>> = Object.freeze({
  97: "cloud test run failed",
  99: "thresholds have failed",
  100: "setup() timed out",
  101: "teardown() timed out",
  102: "timeout",
  103: "engine error",
  104: "invalid config",
  105: "aborted by a signal",
  106: "cannot start the REST API",
  107: "script exception",
  108: "script aborted",
  109: "Go panic",
  110: "marked as failed",
});

/** `exit 107 (script exception)`, `signal SIGKILL`. */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (code === null) return `signal ${signal ?? "unknown"}`;
  const name = K6_EXIT_CODES[code];
  return name ? `exit ${code} (${name})` : `exit ${code}`;
}

/**
 * Whether an exit may leave a usable summary behind: exit 0; after a stop any exit (k6 answers SIGINT with 105,
 * SIGKILL leaves a signal): the summary in the run's fresh work directory can only come from this run's
 * `handleSummary`, and whether it is there and valid decides.
 */
export function acceptableExit(code: number | null, _signal: NodeJS.Signals | null, stopped: boolean): boolean {
  return code === 0 || stopped;
}
