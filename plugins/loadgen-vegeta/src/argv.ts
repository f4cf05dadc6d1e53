/**
 * Pure builders of what the plugin hands to vegeta: the JSON targets file of one function and the argv of
 * `vegeta attack`, `vegeta encode` and `vegeta report`. Every value a user controls (function name, URL, body,
 * headers) ends up as JSON data inside the targets file; file names are derived from the target's index only, and
 * argv is an array given to `spawn` without a shell.
 */
import { join } from "node:path";
import type { LoadTarget } from "@peva-lab/core";
import type { VegetaSettings } from "./settings.ts";

/** The files of the target at `index` in the run's work directory. */
export interface RunFiles {
  /** Targets file, vegeta's `-format=json`: one JSON object on one line. */
  readonly targets: string;
  /** vegeta's binary (gob) results, `-output`. */
  readonly results: string;
  /** stdout and stderr of the attack process. */
  readonly log: string;
  /** The results as JSON lines from `vegeta encode`; deleted once read. */
  readonly decoded: string;
  /** The results so far as JSON lines, while the attack runs (progress); deleted once read. */
  readonly progress: string;
}

/**
 * Paths of the files of target `index` under `workDir`: `target-<i>.json`, `results-<i>.bin`, `attack-<i>.log`,
 * `decoded-<i>.jsonl`, `progress-<i>.jsonl`.
 */
export function runFiles(workDir: string, index: number): RunFiles {
  if (!Number.isInteger(index) || index < 0) throw new RangeError(`target index must be a whole number >= 0, got ${index}`);
  return {
    targets: join(workDir, `target-${index}.json`),
    results: join(workDir, `results-${index}.bin`),
    log: join(workDir, `attack-${index}.log`),
    decoded: join(workDir, `decoded-${index}.jsonl`),
    progress: join(workDir, `progress-${index}.jsonl`),
  };
}

/**
 * One target in vegeta's JSON targets format: `method` and `url`, the body base64-encoded (UTF-8 bytes), headers
 * as `{ name: [value] }` under the key `header`.
 */
export interface VegetaJsonTarget {
  readonly method: string;
  readonly url: string;
  readonly body: string;
  readonly header: Record<string, string[]>;
}

/** The JSON target of `target`; the body goes as its UTF-8 bytes, base64-encoded. */
export function jsonTarget(target: LoadTarget): VegetaJsonTarget {
  const header: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(target.headers)) header[name] = [value];
  return {
    method: target.method,
    url: target.url,
    body: Buffer.from(target.body, "utf8").toString("base64"),
    header,
  };
}

/** The content of a targets file: the one target as a single JSON line (JSON escapes newlines inside strings). */
export function targetsFileContent(target: LoadTarget): string {
  return `${JSON.stringify(jsonTarget(target))}\n`;
}

/** `seconds` as a plain decimal (no exponent, at most nanosecond digits), for Go durations such as `2.5s`. */
export function decimalSeconds(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds <= 0) throw new RangeError(`a duration must be a finite number > 0, got ${seconds}`);
  const text = seconds.toFixed(9).replace(/\.?0+$/, "");
  if (text === "0") throw new RangeError(`a duration must be at least 1 ns, got ${seconds}`);
  return text;
}

/** What one `vegeta attack` needs besides the settings. */
export interface AttackOptions {
  readonly targetsFile: string;
  readonly resultsFile: string;
  /** Requests per second, a whole number > 0. */
  readonly rate: number;
  readonly durationSeconds: number;
  readonly timeoutSeconds: number;
  readonly settings: VegetaSettings;
}

/**
 * argv (without the executable) of `vegeta attack` for one function. Booleans are always spelled out as
 * `-flag=true|false` (Go's flag syntax) because vegeta's defaults are not ours (its `-http2` defaults to true).
 */
export function attackArgv(o: AttackOptions): string[] {
  if (!Number.isInteger(o.rate) || o.rate <= 0) throw new RangeError(`an attack rate must be a whole number > 0, got ${o.rate}`);
  const s = o.settings;
  return [
    "attack",
    "-format=json",
    `-targets=${o.targetsFile}`,
    `-rate=${o.rate}/1s`,
    `-duration=${decimalSeconds(o.durationSeconds)}s`,
    `-timeout=${decimalSeconds(o.timeoutSeconds)}s`,
    `-max-workers=${s.max_workers}`,
    `-keepalive=${s.keepalive}`,
    `-connections=${s.connections}`,
    `-http2=${s.http2}`,
    `-output=${o.resultsFile}`,
  ];
}

/** argv of `vegeta encode`: the results file as JSON lines (one request each) into `outputFile`. */
export function encodeArgv(resultsFile: string, outputFile: string): string[] {
  return ["encode", "--to=json", `--output=${outputFile}`, resultsFile];
}

/** argv of `vegeta report`: vegeta's own JSON report of a results file on stdout. */
export function reportArgv(resultsFile: string): string[] {
  return ["report", "-type=json", resultsFile];
}
