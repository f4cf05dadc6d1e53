/**
 * The k6 command line and outcome mapping. Pure.
 */
import { join } from "node:path";
import { SUMMARY_PATH_ENV } from "./summary-builder.ts";

/** Files of one k6 run inside its workspace `<output>/k6/<host>/<run_id>/<config_id>/`. */
export interface K6Workspace {
  readonly dir: string;
  readonly script: string;
  /** Legacy `--summary-export` file. */
  readonly summaryExport: string;
  /** Our `peva-faas-k6-summary/v1` file written by `handleSummary`. */
  readonly summary: string;
  readonly log: string;
}

/** The workspace paths of one configuration's k6 run. */
export function k6Workspace(outputDir: string, host: string, runId: string, configId: string): K6Workspace {
  const dir = join(outputDir, "k6", host, runId, configId);
  return {
    dir,
    script: join(dir, "script.js"),
    summaryExport: join(dir, "summary.json"),
    summary: join(dir, "summary.v1.json"),
    log: join(dir, "k6.log"),
  };
}

/** Inputs of {@link buildK6Argv}. */
export interface K6ArgvInput {
  readonly workspace: Pick<K6Workspace, "script" | "summaryExport" | "summary">;
  /** `k6_outputs` (already trimmed; empty entries are skipped anyway). */
  readonly outputs?: readonly string[];
  /** `k6_tags`; the reserved tags below override same-named user tags. */
  readonly tags?: Readonly<Record<string, string>>;
  readonly runId: string;
  readonly repetition: number;
}

/** Tag keys forced on every run. */
export const RESERVED_TAGS = ["run_id", "component", "workload", "repetition"] as const;

/**
 * `run --summary-export <ws>/summary.json --env PEVA_SUMMARY_PATH=<ws>/summary.v1.json --address 127.0.0.1:0
 * --no-usage-report [--out o]… [--tag k=v]… <ws>/script.js` (argv without the executable). The REST API binds an ephemeral
 * loopback port so concurrent runs do not clash on 6565.
 */
export function buildK6Argv(input: K6ArgvInput): string[] {
  const argv = [
    "run",
    "--summary-export",
    input.workspace.summaryExport,
    "--env",
    `${SUMMARY_PATH_ENV}=${input.workspace.summary}`,
    "--address",
    "127.0.0.1:0",
    // k6 otherwise reports anonymous usage to its vendor on every run: traffic off loopback the lab never sends.
    "--no-usage-report",
  ];
  for (const o of input.outputs ?? []) {
    const t = o.trim();
    if (t) argv.push("--out", t);
  }
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.tags ?? {})) {
    if (!(RESERVED_TAGS as readonly string[]).includes(k)) tags[k] = v;
  }
  tags["run_id"] = input.runId;
  tags["component"] = "k6";
  tags["workload"] = "peva_faas";
  tags["repetition"] = String(input.repetition);
  for (const [k, v] of Object.entries(tags)) argv.push("--tag", `${k}=${v}`);
  argv.push(input.workspace.script);
  return argv;
}

/** How a k6 run ended. */
export type K6Outcome =
  | "ok"
  | "thresholds_failed"
  | "interrupted"
  | "script_error"
  | "aborted"
  | "killed"
  | "failed";

/** k6 exit codes we distinguish. */
export const K6_EXIT_CODES = {
  thresholdsFailed: 99,
  externalAbort: 105,
  scriptException: 107,
  scriptAborted: 108,
} as const;

/** Maps a k6 exit to an outcome: 0 ok, 99 thresholds, 105 interrupted, 107 script error, 108 aborted. */
export function k6Outcome(exitCode: number | null, signal: NodeJS.Signals | null): K6Outcome {
  if (exitCode === null) return signal === "SIGKILL" ? "killed" : "interrupted";
  switch (exitCode) {
    case 0:
      return "ok";
    case K6_EXIT_CODES.thresholdsFailed:
      return "thresholds_failed";
    case K6_EXIT_CODES.externalAbort:
      return "interrupted";
    case K6_EXIT_CODES.scriptException:
      return "script_error";
    case K6_EXIT_CODES.scriptAborted:
      return "aborted";
    default:
      return "failed";
  }
}
