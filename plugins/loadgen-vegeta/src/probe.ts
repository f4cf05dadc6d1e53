/**
 * Finding vegeta: the first executable file named `vegeta` in a list of directories, and the version it reports
 * (`vegeta -version` prints `Version: v12.13.0` on its first line). The plugin drives vegeta 12.
 */
import { spawn } from "node:child_process";
import { delimiter, isAbsolute } from "node:path";
import { describeCause, findOnPath, LoadgenUnavailableError } from "@peva-lab/core";

/** The major version of vegeta this plugin drives (flags, JSON targets, result encoding). */
export const VEGETA_MAJOR = 12;

/** How to get the vegeta this plugin expects. */
export const VEGETA_FIX =
  "run scripts/bootstrap (it builds vegeta v12.13.0 from the Go module proxy into .tools/bin), or: go install github.com/tsenart/vegeta/v12@v12.13.0";

const VERSION_TIMEOUT_MS = 10_000;

/** The first executable regular file `name` in `dirs` (relative or empty entries are skipped), or `undefined`. */
export function findExecutable(name: string, dirs: readonly string[]): string | undefined {
  return findOnPath(name, dirs.filter((dir) => dir !== "" && isAbsolute(dir)));
}

/** The version on the first line of `vegeta -version` (`Version: v12.13.0` → `v12.13.0`), or `undefined`. */
export function parseVersion(output: string): string | undefined {
  const first = output.split(/\r?\n/, 1)[0] ?? "";
  return /^Version:\s*(v?\d+\.\d+\.\d+\S*)\s*$/.exec(first)?.[1];
}

/** The major version of `v12.13.0` (12), or `undefined`. */
export function majorOf(version: string): number | undefined {
  const m = /^v?(\d+)\./.exec(version);
  return m ? Number(m[1]) : undefined;
}

/** Runs `<executable> -version` (no shell, empty environment, 10 s limit) and resolves with its stdout. */
export function versionOutput(executable: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(executable, ["-version"], { env: {}, stdio: ["ignore", "pipe", "pipe"], timeout: VERSION_TIMEOUT_MS });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.once("error", reject);
    child.once("close", (code, signal) => {
      const stdout = Buffer.concat(out).toString("utf8");
      if (code === 0) resolve(stdout);
      else {
        const stderr = Buffer.concat(err).toString("utf8").trim().split("\n").slice(-3).join(" | ");
        reject(new Error(`'${executable} -version' exited with ${code ?? signal}${stderr ? `: ${stderr}` : ""}`));
      }
    });
  });
}

/** Where vegeta is and what version it reports. */
export interface VegetaTool {
  readonly executable: string;
  readonly version: string;
}

/**
 * Locates vegeta on `dirs` and checks it is version 12. Throws `LoadgenUnavailableError` (with {@link VEGETA_FIX})
 * when it is missing, does not run, or reports another version.
 */
export async function probeVegeta(dirs: readonly string[]): Promise<VegetaTool> {
  const executable = findExecutable("vegeta", dirs);
  if (executable === undefined) {
    throw new LoadgenUnavailableError("vegeta", `no executable 'vegeta' in ${dirs.join(delimiter) || "(empty path)"}`, VEGETA_FIX);
  }
  let output: string;
  try {
    output = await versionOutput(executable);
  } catch (e) {
    throw new LoadgenUnavailableError("vegeta", `${executable} does not run: ${describeCause(e)}`, VEGETA_FIX);
  }
  const version = parseVersion(output);
  if (version === undefined) {
    const first = JSON.stringify((output.split("\n", 1)[0] ?? "").slice(0, 80));
    throw new LoadgenUnavailableError("vegeta", `${executable} -version printed no version (first line ${first})`, VEGETA_FIX);
  }
  if (majorOf(version) !== VEGETA_MAJOR) {
    throw new LoadgenUnavailableError("vegeta", `${executable} is ${version}, this plugin drives major version ${VEGETA_MAJOR}`, VEGETA_FIX);
  }
  return { executable, version };
}
