/**
 * The edge of the plugin: vegeta processes. Spawns `vegeta attack` (argv array, no shell, the caller's environment
 * only, stdout and stderr into its log file), interrupts it (SIGINT to that one process, SIGKILL after a grace
 * period), and reads its results back through `vegeta encode` (streamed line by line from its JSON output) and
 * `vegeta report`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, createReadStream, existsSync, openSync, readFileSync, rmSync } from "node:fs";
import { createInterface } from "node:readline";
import { encodeArgv, reportArgv } from "./argv.ts";

/** How a process ended: its exit code or signal, or the error that kept it from starting. */
export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly spawnError?: Error;
}

/** `exit 2`, `signal SIGKILL`, `spawn error: …`. */
export function describeExit(exit: ProcessExit): string {
  if (exit.spawnError) return `could not start: ${exit.spawnError.message}`;
  return exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
}

/** A running `vegeta attack`. */
export interface AttackProcess {
  readonly pid: number | undefined;
  /** Settles (never rejects) when the process has exited. */
  readonly exited: Promise<ProcessExit>;
  /** True once it has exited. */
  readonly hasExited: boolean;
  /** True once {@link AttackProcess.interrupt} sent SIGINT. */
  readonly interrupted: boolean;
  /** True once SIGKILL was sent (by the grace timer or {@link AttackProcess.kill}). */
  readonly killed: boolean;
  /**
   * Sends SIGINT once (vegeta stops sending and waits for the requests in flight), then SIGKILL if the process is
   * still alive after `graceMs`. Idempotent; a no-op after exit.
   */
  interrupt(graceMs: number): void;
  /** SIGKILL now, unless it has exited. */
  kill(): void;
}

/** Spawns `executable argv…` with exactly `env`, stdout and stderr appended to `logPath`. */
export function spawnAttack(executable: string, argv: readonly string[], env: Readonly<Record<string, string>>, logPath: string): AttackProcess {
  const fd = openSync(logPath, "a");
  let child: ChildProcess;
  try {
    child = spawn(executable, argv, { env: { ...env }, stdio: ["ignore", fd, fd], shell: false, detached: false });
  } finally {
    closeSync(fd); // the child holds its own copy
  }
  let hasExited = false;
  let interrupted = false;
  let killed = false;
  let killTimer: NodeJS.Timeout | undefined;
  const exited = new Promise<ProcessExit>((resolve) => {
    const settle = (exit: ProcessExit): void => {
      if (hasExited) return;
      hasExited = true;
      if (killTimer) clearTimeout(killTimer);
      resolve(exit);
    };
    child.once("error", (error) => settle({ code: null, signal: null, spawnError: error }));
    child.once("exit", (code, signal) => settle({ code, signal }));
  });
  const kill = (): void => {
    if (hasExited) return;
    killed = true;
    child.kill("SIGKILL");
  };
  return {
    pid: child.pid,
    exited,
    get hasExited() {
      return hasExited;
    },
    get interrupted() {
      return interrupted;
    },
    get killed() {
      return killed;
    },
    interrupt(graceMs: number): void {
      if (hasExited || interrupted) return;
      interrupted = true;
      child.kill("SIGINT");
      killTimer = setTimeout(kill, graceMs);
    },
    kill,
  };
}

/** The last `lines` non-empty lines of a text file, joined with ` | `; `""` when it cannot be read. */
export function fileTail(path: string, lines = 5): string {
  try {
    return tailOf(readFileSync(path, "utf8"), lines);
  } catch {
    return "";
  }
}

function tailOf(text: string, lines: number): string {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "")
    .slice(-lines)
    .join(" | ");
}

/** Keeps the last `limit` bytes of a stream's text. */
class TextTail {
  #text = "";
  readonly #limit: number;
  constructor(limit = 8192) {
    this.#limit = limit;
  }
  push(chunk: Buffer): void {
    this.#text = (this.#text + chunk.toString("utf8")).slice(-this.#limit);
  }
  lines(n: number): string {
    return tailOf(this.#text, n);
  }
}

/** A vegeta subcommand that failed: its exit and the tail of its stderr. */
export class VegetaCommandError extends Error {
  override name = "VegetaCommandError";
  readonly exit: ProcessExit;
  readonly stderrTail: string;
  constructor(what: string, exit: ProcessExit, stderrTail: string) {
    super(`${what}: ${describeExit(exit)}${stderrTail ? `; stderr: ${stderrTail}` : ""}`);
    this.exit = exit;
    this.stderrTail = stderrTail;
  }
}

/**
 * Upper bound of one `vegeta encode` or `vegeta report` (a hung one is killed and fails the run instead of hanging
 * it): generous, 600 000 results take about 10 s here.
 */
const POST_PROCESS_TIMEOUT_MS = 600_000;

/** Runs `executable argv…` with exactly `env`; resolves with its exit and the tail of its stderr. */
function runQuiet(executable: string, argv: readonly string[], env: Readonly<Record<string, string>>): Promise<{ exit: ProcessExit; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(executable, argv, {
      env: { ...env },
      stdio: ["ignore", "ignore", "pipe"],
      shell: false,
      timeout: POST_PROCESS_TIMEOUT_MS,
      killSignal: "SIGKILL",
    });
    const stderr = new TextTail();
    child.stderr.on("data", (c: Buffer) => stderr.push(c));
    let settled = false;
    const settle = (exit: ProcessExit): void => {
      if (settled) return;
      settled = true;
      resolve({ exit, stderr: stderr.lines(3) });
    };
    child.once("error", (error) => settle({ code: null, signal: null, spawnError: error }));
    child.once("close", (code, signal) => settle({ code, signal }));
  });
}

/**
 * Decodes a results file with `vegeta encode --to=json --output=<jsonFile>` and streams `jsonFile` line by line
 * (one request each) into `onLine`, then deletes it. Resolves with the number of lines; rejects with
 * {@link VegetaCommandError} when encode fails (after delivering the lines it wrote, so a truncated file still
 * yields its complete records), or with `onLine`'s error.
 *
 * encode writes to a file rather than a pipe: it writes every line with its own write, and a pipe read by Node
 * then arrives in ~500-byte chunks; through a file, 600 000 results decode in about half the time.
 */
export async function decodeResults(
  executable: string,
  resultsFile: string,
  jsonFile: string,
  env: Readonly<Record<string, string>>,
  onLine: (line: string) => void,
): Promise<number> {
  try {
    const { exit, stderr } = await runQuiet(executable, encodeArgv(resultsFile, jsonFile), env);
    let lines = 0;
    if (existsSync(jsonFile)) {
      const input = createReadStream(jsonFile, { highWaterMark: 1 << 20 });
      try {
        for await (const line of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
          if (line === "") continue;
          try {
            onLine(line);
          } catch (e) {
            throw new Error(`vegeta encode ${resultsFile}, line ${lines + 1}: ${e instanceof Error ? e.message : String(e)}`);
          }
          lines++;
        }
      } finally {
        input.destroy();
      }
    }
    if (exit.code !== 0) throw new VegetaCommandError(`vegeta encode ${resultsFile}`, exit, stderr);
    return lines;
  } finally {
    rmSync(jsonFile, { force: true });
  }
}

/** Runs `vegeta report -type=json <results>` and resolves with the parsed report. */
export function readReport(executable: string, resultsFile: string, env: Readonly<Record<string, string>>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(executable, reportArgv(resultsFile), {
      env: { ...env },
      stdio: ["ignore", "pipe", "pipe"],
      shell: false,
      timeout: POST_PROCESS_TIMEOUT_MS,
      killSignal: "SIGKILL",
    });
    const out: Buffer[] = [];
    const stderr = new TextTail();
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => stderr.push(c));
    child.once("error", reject);
    child.once("close", (code, signal) => {
      if (code !== 0) {
        reject(new VegetaCommandError(`vegeta report ${resultsFile}`, { code, signal }, stderr.lines(3)));
        return;
      }
      try {
        resolve(JSON.parse(Buffer.concat(out).toString("utf8")));
      } catch (e) {
        reject(new Error(`vegeta report ${resultsFile}: not JSON (${e instanceof Error ? e.message : String(e)})`));
      }
    });
  });
}
