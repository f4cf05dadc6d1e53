/**
 * Process control for long-lived local services started by dynamic providers: detached start with a pid file,
 * readiness waits, and stop-by-pid that first checks the process is the one we started (its command line), so a
 * recycled pid is never killed. Every wait is bounded.
 */
import { spawn } from "node:child_process";
import { open, readFile, writeFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/** Variables a long-lived child keeps from the provider's environment; everything else (credentials, Pulumi's
 * passphrase and tokens) stays behind. */
const CHILD_ENV_NAMES = ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR"] as const;

/**
 * The environment for a long-lived child (runner, platform processes) that outlives `pulumi`: the allow-list above
 * plus peva-lab's own `PEVA_LAB_*` settings (e.g. `PEVA_LAB_PLUGIN_DIR`).
 */
export function childEnvironment(from: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(from)) {
    if (value !== undefined && ((CHILD_ENV_NAMES as readonly string[]).includes(name) || name.startsWith("PEVA_LAB_"))) env[name] = value;
  }
  return env;
}

/** A started process. */
export interface StartedProcess {
  readonly pid: number;
  /** A string that must appear in the process's command line for us to consider it ours. */
  readonly marker: string;
}

/** Starts `command args` detached (own process group, no shared stdio), logging to `logFile`; writes `pidFile`. */
export async function startDetached(opts: {
  command: string;
  args: readonly string[];
  logFile: string;
  pidFile: string;
  marker: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}): Promise<StartedProcess> {
  const log = await open(opts.logFile, "a");
  try {
    const child = spawn(opts.command, [...opts.args], {
      detached: true,
      stdio: ["ignore", log.fd, log.fd],
      env: opts.env ?? childEnvironment(),
      cwd: opts.cwd,
    });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once("error", (e) => reject(new Error(`cannot start ${opts.command}: ${e.message}`)));
      child.once("spawn", () => resolve(child.pid!));
    });
    child.unref();
    await writeFile(opts.pidFile, `${pid}\n`);
    return { pid, marker: opts.marker };
  } finally {
    await log.close();
  }
}

/** The command line of a live process, or undefined when it does not exist. */
export async function commandLine(pid: number): Promise<string | undefined> {
  try {
    const raw = await readFile(`/proc/${pid}/cmdline`, "utf8");
    return raw.split("\0").join(" ").trim() || undefined;
  } catch {
    return undefined;
  }
}

/** True when `pid` is alive and its command line contains `marker`. */
export async function isOurs(pid: number, marker: string): Promise<boolean> {
  const cmd = await commandLine(pid);
  return cmd !== undefined && cmd.includes(marker);
}

/**
 * Stops a process we started: SIGTERM, then SIGKILL after `graceMs`. A pid whose command line no longer holds the
 * marker (exited, or recycled by another program) is left alone. Returns how it ended.
 */
export async function stopProcess(proc: StartedProcess, graceMs = 10_000): Promise<"not-running" | "terminated" | "killed"> {
  if (!(await isOurs(proc.pid, proc.marker))) return "not-running";
  process.kill(proc.pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!(await isOurs(proc.pid, proc.marker))) return "terminated";
    await sleep(100);
  }
  if (await isOurs(proc.pid, proc.marker)) process.kill(proc.pid, "SIGKILL");
  for (let i = 0; i < 50 && (await isOurs(proc.pid, proc.marker)); i++) await sleep(100);
  return "killed";
}

/** A TCP port that was free on 127.0.0.1 a moment ago (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** True when nothing listens on 127.0.0.1:`port`. */
export async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** Polls `check` every `intervalMs` until it returns a value or `timeoutMs` passes; throws `what` on timeout. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError = "";
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (e) {
      lastError = e instanceof Error ? e.message : String(e);
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${lastError ? ` (last error: ${lastError})` : ""}`);
}

/** GET `url`; resolves the body when the status is 2xx, else undefined. Bounded by `timeoutMs`. */
export async function httpOk(url: string, timeoutMs = 2_000, headers: Record<string, string> = {}): Promise<string | undefined> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers });
  if (!res.ok) return undefined;
  return res.text();
}

/** Removes a path, ignoring its absence. */
export async function removePath(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}
