/**
 * Running k6 as a child process (edge module). stdout and stderr are merged line by line into `k6.log` (and an
 * optional line callback). Stopping sends SIGINT (k6 stops gracefully and still writes its summary), then SIGKILL
 * after a grace period.
 */
import { spawn } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { createInterface } from "node:readline";
import { k6Outcome, type K6Outcome } from "./argv.ts";

/** Options of {@link startK6}. */
export interface K6RunOptions {
  /** Path of the k6 executable. */
  readonly k6Path: string;
  /** Arguments (see `buildK6Argv`). */
  readonly argv: readonly string[];
  /** Merged stdout/stderr log file. */
  readonly logPath: string;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Called for each output line (e.g. to stream `k6: <line>` to the runner log). */
  readonly onLine?: (line: string) => void;
  /** Milliseconds between SIGINT and SIGKILL on stop (default 5000). */
  readonly stopGraceMs?: number;
  /** Hard limit: the run is stopped after this many milliseconds (default: none). */
  readonly timeoutMs?: number;
}

/** The end of a k6 run. */
export interface K6RunResult {
  readonly outcome: K6Outcome;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Epoch seconds around the process. */
  readonly startedAt: number;
  readonly endedAt: number;
  /** True when {@link K6Run.stop} was called or the timeout fired. */
  readonly stopped: boolean;
}

/** A running k6 process. */
export interface K6Run {
  readonly pid: number | undefined;
  /** Resolves when the process has exited and the log is flushed. Rejects when k6 cannot be started. */
  readonly done: Promise<K6RunResult>;
  /** SIGINT now, SIGKILL after the grace period if still running. Idempotent. */
  stop(): void;
}

/** Error raised when the k6 executable cannot be started. */
export class K6ExecutionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "K6ExecutionError";
  }
}

/** Starts k6. */
export function startK6(opts: K6RunOptions): K6Run {
  mkdirSync(dirname(opts.logPath), { recursive: true });
  const log = createWriteStream(opts.logPath, { flags: "a" });
  const startedAt = Date.now() / 1000;
  const child = spawn(opts.k6Path, [...opts.argv], {
    cwd: opts.cwd,
    // Belt and braces with --no-usage-report: no usage report whatever the argv.
    env: { ...(opts.env ?? process.env), K6_NO_USAGE_REPORT: "true" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stopped = false;
  let killTimer: NodeJS.Timeout | undefined;
  let timeoutTimer: NodeJS.Timeout | undefined;
  const graceMs = opts.stopGraceMs ?? 5000;
  const stop = (): void => {
    if (stopped || child.exitCode !== null || child.signalCode !== null) return;
    stopped = true;
    child.kill("SIGINT");
    killTimer = setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }, graceMs);
    killTimer.unref();
  };
  if (opts.timeoutMs !== undefined) {
    timeoutTimer = setTimeout(stop, opts.timeoutMs);
    timeoutTimer.unref();
  }
  const pending: Promise<void>[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    const rl = createInterface({ input: stream, crlfDelay: Infinity });
    pending.push(
      new Promise<void>((resolve) => {
        rl.on("line", (line) => {
          log.write(`${line}\n`);
          opts.onLine?.(line);
        });
        rl.on("close", resolve);
      }),
    );
  }
  const done = new Promise<K6RunResult>((resolve, reject) => {
    child.once("error", (err: NodeJS.ErrnoException) => {
      clearTimeout(timeoutTimer);
      clearTimeout(killTimer);
      log.end();
      const hint = err.code === "ENOENT" ? ` (k6 not found at ${opts.k6Path}: run \`make bootstrap\`)` : "";
      reject(new K6ExecutionError(`local execution failed: ${err.message}${hint}`));
    });
    child.once("close", (code, signal) => {
      clearTimeout(timeoutTimer);
      clearTimeout(killTimer);
      void Promise.all(pending).then(() => {
        log.end(() =>
          resolve({
            outcome: k6Outcome(code, signal),
            exitCode: code,
            signal,
            startedAt,
            endedAt: Date.now() / 1000,
            stopped,
          }),
        );
      });
    });
  });
  return { pid: child.pid, done, stop };
}
