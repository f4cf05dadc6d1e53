/**
 * Running k6 as a child process (edge module). stdout and stderr are merged line by line into the log file; the
 * last lines are kept for error messages. Stopping sends SIGINT (k6 ends the scenarios, runs `handleSummary` and
 * exits), then SIGKILL after a grace period.
 */
import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { createInterface } from "node:readline";

/** Options of {@link startK6Process}. */
export interface K6ProcessOptions {
  /** Absolute path of the k6 executable. */
  readonly executable: string;
  readonly argv: readonly string[];
  /** The complete environment of the child (nothing is inherited). */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  /** Merged stdout/stderr log file (created). */
  readonly logPath: string;
  /** Milliseconds between SIGINT and SIGKILL on stop. */
  readonly stopGraceMs: number;
  /** How many trailing output lines {@link K6Exit.tail} keeps (default 20). */
  readonly tailLines?: number;
}

/** How the process ended. */
export interface K6Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The last lines of its output. */
  readonly tail: readonly string[];
}

/** A running k6 process. */
export interface K6Process {
  readonly pid: number | undefined;
  /** Resolves when the process has exited and the log is flushed; rejects when it could not be started. */
  readonly exit: Promise<K6Exit>;
  /** SIGINT now, SIGKILL after the grace period if still running. Idempotent; a no-op after the exit. */
  stop(): void;
}

/** Starts k6. */
export function startK6Process(opts: K6ProcessOptions): K6Process {
  const log = createWriteStream(opts.logPath, { flags: "a" });
  log.on("error", () => {
    // A log that cannot be written must not crash the controller; the tail still reaches the error message.
  });
  const keep = opts.tailLines ?? 20;
  const tail: string[] = [];
  const child = spawn(opts.executable, [...opts.argv], {
    cwd: opts.cwd,
    env: { ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stopping = false;
  let killTimer: NodeJS.Timeout | undefined;
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  const stop = (): void => {
    if (stopping || !running() || child.pid === undefined) return;
    stopping = true;
    child.kill("SIGINT");
    killTimer = setTimeout(() => {
      if (running()) child.kill("SIGKILL");
    }, opts.stopGraceMs);
  };
  const pending: Promise<void>[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    const rl = createInterface({ input: stream, crlfDelay: Infinity });
    pending.push(
      new Promise<void>((resolve) => {
        rl.on("line", (line) => {
          log.write(`${line}\n`);
          tail.push(line);
          if (tail.length > keep) tail.shift();
        });
        rl.on("close", resolve);
      }),
    );
  }
  let settled = false;
  const exit = new Promise<K6Exit>((resolve, reject) => {
    child.once("error", (err) => {
      // Spawning failed (ENOENT, EACCES, …); a running child reports errors through its exit instead.
      if (settled) return;
      settled = true;
      clearTimeout(killTimer);
      log.end(() => reject(err));
    });
    child.once("close", (code, signal) => {
      clearTimeout(killTimer);
      void Promise.all(pending).then(() => {
        if (settled) return;
        settled = true;
        log.end(() => resolve({ code, signal, tail: [...tail] }));
      });
    });
  });
  return { pid: child.pid, exit, stop };
}
