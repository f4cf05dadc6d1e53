/**
 * Finding the user's k6 and reading its version (edge module; the parsing is pure).
 */
import { execFile } from "node:child_process";
import { delimiter, resolve } from "node:path";
import { findOnPath, LoadgenUnavailableError } from "@peva-lab/core";

/** The generator name used in errors and identities. */
export const GENERATOR_NAME = "k6";

/** The fix named when k6 is missing: the user installs it; peva-lab never fetches it. */
export const K6_INSTALL_FIX =
  "install k6 yourself from Grafana's official packages (see https://grafana.com/docs/k6/latest/set-up/install-k6/); " +
  "peva-lab never downloads or builds k6 because it is AGPL-3.0 — or use the bundled generator: loadgen: {type: vegeta}";

/** The oldest k6 this plugin drives (constant-arrival-rate, handleSummary with setup_data and state, error codes). */
export const MIN_K6_VERSION = "0.45.0";

/** Parses `k6 v1.3.0 (commit/…, go1.24.4, linux/amd64)` → `v1.3.0`; `undefined` when the text has no k6 version. */
export function parseK6Version(output: string): string | undefined {
  const m = /^k6 (v\d+\.\d+\.\d+[0-9A-Za-z.+-]*)/m.exec(output);
  return m ? m[1] : undefined;
}

/** -1, 0, 1 comparing the numeric `X.Y.Z` parts of two versions (a leading `v` and any suffix are ignored). */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string): number[] => (/(\d+)\.(\d+)\.(\d+)/.exec(v) ?? ["", "0", "0", "0"]).slice(1, 4).map(Number);
  const [pa, pb] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i]! < pb[i]! ? -1 : 1;
  return 0;
}

/** The first `k6` executable in `dirs` (relative directories resolve against the cwd), or `undefined`. */
export async function findK6(dirs: readonly string[]): Promise<string | undefined> {
  return findOnPath("k6", dirs.filter(Boolean).map((dir) => resolve(dir)));
}

/** Runs `<exe> version` and returns what it printed. */
function runVersion(executable: string, dirs: readonly string[]): Promise<string> {
  const env: Record<string, string> = { PATH: dirs.join(delimiter), K6_NO_USAGE_REPORT: "true" };
  if (process.env["HOME"]) env["HOME"] = process.env["HOME"];
  return new Promise((resolvePromise, reject) => {
    execFile(executable, ["version"], { env, timeout: 15_000, maxBuffer: 64 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message.split("\n")[0]}${stderr ? `: ${stderr.trim().split("\n").slice(-3).join(" | ")}` : ""}`));
      else resolvePromise(`${stdout}\n${stderr}`);
    });
  });
}

/**
 * Locates k6 in `dirs` and reads its version. Throws `LoadgenUnavailableError` when it is missing, does not run,
 * prints no version, or is older than {@link MIN_K6_VERSION}.
 */
export async function probeK6(dirs: readonly string[]): Promise<{ executable: string; version: string }> {
  const executable = await findK6(dirs);
  if (!executable) throw new LoadgenUnavailableError(GENERATOR_NAME, "k6 is not on PATH", K6_INSTALL_FIX);
  let output: string;
  try {
    output = await runVersion(executable, dirs);
  } catch (e) {
    throw new LoadgenUnavailableError(GENERATOR_NAME, `'${executable} version' failed: ${(e as Error).message}`, K6_INSTALL_FIX);
  }
  const version = parseK6Version(output);
  if (!version) {
    const first = output.trim().split("\n")[0] ?? "";
    throw new LoadgenUnavailableError(
      GENERATOR_NAME,
      `'${executable} version' printed no k6 version (got '${first.slice(0, 200)}')`,
      K6_INSTALL_FIX,
    );
  }
  if (compareVersions(version, MIN_K6_VERSION) < 0) {
    throw new LoadgenUnavailableError(
      GENERATOR_NAME,
      `${executable} is k6 ${version}, older than v${MIN_K6_VERSION}, the oldest this plugin drives`,
      `install a newer k6 yourself from Grafana's official packages (see https://grafana.com/docs/k6/latest/set-up/install-k6/)`,
    );
  }
  return { executable, version };
}
