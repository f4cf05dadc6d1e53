/**
 * One load window with vegeta: a targets file and one `vegeta attack` per loaded function, all started together;
 * stop by SIGINT to each attack; after every attack has exited, each results file is decoded into the function's
 * stats and summarised by `vegeta report` for the raw document.
 */
import { existsSync, statSync, writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import {
  describeCause,
  idleFunctionStats,
  LoadgenFailedError,
  startIdleRun,
  type FunctionLoadStats,
  type GeneratorIdentity,
  type LoadProgress,
  type LoadRequest,
  type LoadRun,
  type LoadRunResult,
  type LoadTarget,
} from "@peva-lab/core";
import { attackArgv, runFiles, targetsFileContent, type RunFiles } from "./argv.ts";
import { decodeResults, describeExit, fileTail, readReport, spawnAttack, VegetaCommandError, type AttackProcess, type ProcessExit } from "./attack.ts";
import { classify, FunctionAccumulator, loadWindow, parseEncodedLine } from "./records.ts";
import type { VegetaSettings } from "./settings.ts";

/** Layout name of {@link LoadRunResult.raw}. */
export const RAW_FORMAT = "vegeta-report-json/v12";

/** After a stop, how long beyond the request timeout an attack may take to finish its requests before SIGKILL. */
export const STOP_GRACE_EXTRA_SECONDS = 5;
/** Beyond duration + request timeout, how long an attack may run before it is killed as hung. */
export const WATCHDOG_EXTRA_SECONDS = 30;

/** What a run needs from the probed plugin. */
export interface RunContext {
  readonly executable: string;
  readonly identity: GeneratorIdentity;
  readonly settings: VegetaSettings;
}

/** One entry of the raw document. */
export interface RawFunctionReport {
  readonly name: string;
  readonly target_rate: number;
  /** vegeta's `report -type=json` of the function's results; `null` when it was idle or sent nothing. */
  readonly report: unknown;
}

interface Attack {
  readonly index: number;
  readonly target: LoadTarget;
  readonly files: RunFiles;
  readonly process: AttackProcess;
}

/** Throws a `RangeError` for a request no generator can run (a caller bug, not a tool failure). */
export function checkRequest(request: LoadRequest): void {
  const positive = (what: string, v: number): void => {
    if (!Number.isFinite(v) || v <= 0) throw new RangeError(`${what} must be a finite number > 0, got ${v}`);
  };
  positive("durationSeconds", request.durationSeconds);
  positive("requestTimeoutSeconds", request.requestTimeoutSeconds);
  request.targets.forEach((t, i) => {
    if (!Number.isInteger(t.rate) || t.rate < 0) throw new RangeError(`targets[${i}].rate must be a whole number >= 0, got ${t.rate}`);
  });
  if (!existsSync(request.workDir) || !statSync(request.workDir).isDirectory()) {
    throw new RangeError(`workDir ${request.workDir} is not a directory`);
  }
}

/** Starts one load window. Throws synchronously only for an invalid request. */
export function startRun(ctx: RunContext, request: LoadRequest): LoadRun {
  checkRequest(request);
  const loaded = request.targets.flatMap((target, index) => (target.rate > 0 ? [{ target, index }] : []));
  return loaded.length === 0 ? idleRun(ctx, request) : attackRun(ctx, request, loaded);
}

function rawDocument(request: LoadRequest, reports: ReadonlyMap<number, unknown>): LoadRunResult["raw"] {
  const functions: RawFunctionReport[] = request.targets.map((t, i) => ({
    name: t.functionName,
    target_rate: t.rate,
    report: reports.get(i) ?? null,
  }));
  return { format: RAW_FORMAT, document: { functions } };
}

/** No function is loaded: wait `durationSeconds` (or until stopped) and report every function idle. */
function idleRun(ctx: RunContext, request: LoadRequest): LoadRun {
  return startIdleRun(request, ctx.identity, () => rawDocument(request, new Map()));
}

function attackRun(ctx: RunContext, request: LoadRequest, loaded: readonly { target: LoadTarget; index: number }[]): LoadRun {
  const prepared = loaded.map(({ target, index }) => {
    const files = runFiles(request.workDir, index);
    writeFileSync(files.targets, targetsFileContent(target), { mode: 0o600 });
    const argv = attackArgv({
      targetsFile: files.targets,
      resultsFile: files.results,
      rate: target.rate,
      durationSeconds: request.durationSeconds,
      timeoutSeconds: request.requestTimeoutSeconds,
      settings: ctx.settings,
    });
    return { target, index, files, argv };
  });
  const startEpoch = Date.now() / 1000;
  const startMono = performance.now();
  const attacks: Attack[] = [];
  try {
    for (const p of prepared) {
      attacks.push({ index: p.index, target: p.target, files: p.files, process: spawnAttack(ctx.executable, p.argv, request.env, p.files.log) });
    }
  } catch (e) {
    // spawn throws synchronously only for invalid arguments; do not leave the attacks already started running.
    for (const a of attacks) a.process.kill();
    throw e;
  }

  let stopMono: number | undefined;
  let running = true;
  const watchdog = setTimeout(
    () => {
      for (const a of attacks) a.process.kill();
    },
    (request.durationSeconds + request.requestTimeoutSeconds + WATCHDOG_EXTRA_SECONDS) * 1000,
  );

  // The first attack that fails ends the run: the others are killed instead of loading for nothing.
  let failure: LoadgenFailedError | undefined;
  for (const a of attacks) {
    void a.process.exited.then((exit) => {
      if (failure !== undefined || exitIsExpected(a, exit, stopMono !== undefined)) return;
      failure = exitFailure(a, exit, stopMono !== undefined);
      for (const other of attacks) other.process.kill();
    });
  }

  const done = (async (): Promise<LoadRunResult> => {
    await Promise.all(attacks.map((a) => a.process.exited));
    running = false;
    clearTimeout(watchdog);
    const endMono = performance.now();
    if (failure !== undefined) throw failure;

    const loadSeconds = stopMono === undefined ? request.durationSeconds : Math.min(request.durationSeconds, (stopMono - startMono) / 1000);
    const byIndex = new Map<number, FunctionAccumulator>();
    const reports = new Map<number, unknown>();
    await Promise.all(
      attacks.map(async (a) => {
        const acc = new FunctionAccumulator(a.target.functionName, a.target.rate);
        byIndex.set(a.index, acc);
        reports.set(a.index, await collect(ctx, request, a, acc));
      }),
    );
    const functions: FunctionLoadStats[] = request.targets.map(
      (t, i) => byIndex.get(i)?.stats(loadSeconds) ?? idleFunctionStats(t.functionName),
    );
    const wallEnd = startEpoch + (endMono - startMono) / 1000;
    return {
      generator: ctx.identity,
      outcome: stopMono === undefined ? "completed" : "stopped",
      window: loadWindow([...byIndex.values()], { start: startEpoch, end: wallEnd }),
      functions,
      raw: rawDocument(request, reports),
    };
  })();

  // Progress: each look decodes the results written so far (vegeta writes one record per answered request); a record
  // cut short at the end of the file is simply not counted yet. One look at a time; counts never go down.
  const seen = new Map<number, { answered: number; successes: number }>();
  let looking: Promise<LoadProgress> | undefined;
  const look = async (): Promise<LoadProgress> => {
    const elapsedSeconds = ((stopMono ?? performance.now()) - startMono) / 1000;
    if (running) {
      await Promise.all(
        attacks.map(async (a) => {
          const counts = await countAnswered(ctx, request, a);
          const before = seen.get(a.index);
          if (!before || counts.answered >= before.answered) seen.set(a.index, counts);
        }),
      );
    }
    return {
      elapsedSeconds: Math.min(elapsedSeconds, request.durationSeconds),
      functions: request.targets.map((t, i) => ({ functionName: t.functionName, targetRate: t.rate, answered: seen.get(i)?.answered ?? 0, successes: seen.get(i)?.successes ?? 0 })),
    };
  };

  return {
    done,
    progress(): Promise<LoadProgress> {
      looking ??= look().finally(() => {
        looking = undefined;
      });
      return looking;
    },
    stop(): void {
      if (!running || stopMono !== undefined) return;
      stopMono = performance.now();
      const graceMs = (request.requestTimeoutSeconds + STOP_GRACE_EXTRA_SECONDS) * 1000;
      for (const a of attacks) a.process.interrupt(graceMs);
    },
  };
}

/** True when the attack exited cleanly, or by the signal our stop sent (SIGINT, or SIGKILL after the grace). */
function exitIsExpected(a: Attack, exit: ProcessExit, stopRequested: boolean): boolean {
  if (exit.code === 0) return true;
  return stopRequested && ((exit.signal === "SIGINT" && a.process.interrupted) || (exit.signal === "SIGKILL" && a.process.killed));
}

/** The error of an attack that exited on its own with a failure, or was killed by the watchdog. */
function exitFailure(a: Attack, exit: ProcessExit, stopRequested: boolean): LoadgenFailedError {
  const watchdog = !stopRequested && exit.signal === "SIGKILL" && a.process.killed ? "did not finish in time, " : "";
  const tail = fileTail(a.files.log);
  return new LoadgenFailedError("vegeta", `attack ${a.index}: ${watchdog}${describeExit(exit)}; stderr: ${tail || "(empty)"}`, a.files.log, exit.spawnError);
}

/** Requests answered so far by one running attack, and how many succeeded (read from its results file as it grows). */
async function countAnswered(ctx: RunContext, request: LoadRequest, a: Attack): Promise<{ answered: number; successes: number }> {
  let answered = 0;
  let successes = 0;
  if (!existsSync(a.files.results)) return { answered, successes };
  try {
    await decodeResults(ctx.executable, a.files.results, a.files.progress, request.env, (line) => {
      const r = parseEncodedLine(line);
      answered++;
      if (classify(r.code, r.error) === "success") successes++;
    });
  } catch (e) {
    // encode stops at a record the attack is still writing; every complete record before it was delivered.
    if (!(e instanceof VegetaCommandError)) throw e;
  }
  return { answered, successes };
}

/**
 * Streams the attack's results into `acc` and resolves with vegeta's report (`null` when it sent nothing). An
 * attack that was killed may leave a truncated file: what decodes is kept and the report is `null`.
 */
async function collect(ctx: RunContext, request: LoadRequest, a: Attack, acc: FunctionAccumulator): Promise<unknown> {
  const { results, log } = a.files;
  const size = existsSync(results) ? statSync(results).size : -1;
  if (size <= 0) {
    // vegeta writes at least one result unless it was stopped (or killed) before its first request.
    if (a.process.interrupted || a.process.killed) return null;
    throw new LoadgenFailedError("vegeta", `attack ${a.index}: ${size < 0 ? "no results file" : "empty results file"} ${results}; stderr: ${fileTail(log) || "(empty)"}`, log);
  }
  // Both read the same file; run side by side.
  const [decoded, report] = await Promise.allSettled([
    decodeResults(ctx.executable, results, a.files.decoded, request.env, (line) => acc.add(parseEncodedLine(line))),
    readReport(ctx.executable, results, request.env),
  ]);
  if (decoded.status === "rejected" && !a.process.killed) {
    throw new LoadgenFailedError("vegeta", `attack ${a.index}: unreadable results: ${describeCause(decoded.reason)}`, log, decoded.reason);
  }
  if (report.status === "fulfilled") return report.value;
  if (a.process.killed) return null;
  throw new LoadgenFailedError("vegeta", `attack ${a.index}: report failed: ${describeCause(report.reason)}`, log, report.reason);
}
