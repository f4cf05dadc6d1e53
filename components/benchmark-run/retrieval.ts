/**
 * What `pulumi destroy` does with a campaign, in this order: stop a runner that is still running (never orphan
 * it), copy the DuckDB memory and the Parquet exports to `<output>/<stack>/memory/<host>/` and check the copy's row
 * counts against the original on the runner host, and only then, when opted in, delete the listed paths under
 * the allowed prefixes. A later step never runs when an earlier one failed, and every error names its step.
 */
import { mkdir, rename, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { cleanupRealpathQueries, quoteText, resolveCleanupPath } from "@peva-lab/core";
import { memoryLocations, tableRowCounts } from "@peva-lab/peva-faas/runner";
import type { EngineLog } from "../engine-log.ts";
import { LocalTransport } from "../transport/local-transport.ts";
import type { RunnerProcess, RunnerTransport } from "../transport/runner-transport.ts";
import { parsePidFile, pidFilePath, runPaths, STOP_GRACE_MS } from "./run-rules.ts";

/**
 * A destroy step failed. Message: `destroy step '<step>' failed: <cause>` (plus what was already done).
 */
export class DestroyStepError extends Error {
  readonly step: string;
  constructor(step: string, cause: unknown, done: readonly string[]) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`destroy step '${step}' failed: ${reason}${done.length ? ` (already done: ${done.join("; ")})` : ""}`);
    this.name = "DestroyStepError";
    this.step = step;
  }
}

/** `cleanup refused (nothing was deleted):` and one refusal per line: a cleanup path failed its check. */
export class CleanupRefusedError extends Error {
  readonly refusals: readonly string[];
  constructor(refusals: readonly string[]) {
    super(`cleanup refused (nothing was deleted):\n  ${refusals.join("\n  ")}`);
    this.name = "CleanupRefusedError";
    this.refusals = refusals;
  }
}

/**
 * `cleanup stopped: '<path>' changed between the check and its removal: <what changed>; nothing more was deleted
 * (already removed: '<real path>', …)` (`nothing` when none was). Paths are escaped.
 */
export class CleanupPathChangedError extends Error {
  readonly path: string;
  readonly removed: readonly string[];
  constructor(path: string, change: string, removed: readonly string[]) {
    super(
      `cleanup stopped: ${quoteText(path)} changed between the check and its removal: ${change}; ` +
        `nothing more was deleted (already removed: ${removed.map(quoteText).join(", ") || "nothing"})`,
    );
    this.name = "CleanupPathChangedError";
    this.path = path;
    this.removed = [...removed];
  }
}

/** What the destroy needs to know about the run. */
export interface RetrievalInput {
  readonly host: string;
  /** Absolute runner workdir on the runner host. */
  readonly workdir: string;
  readonly outputRoot: string;
  readonly settings: Record<string, unknown>;
  readonly cleanup: { readonly memory: boolean; readonly paths: readonly string[] };
}

/** A runner found alive on its host. */
export interface LiveRunner {
  readonly runId: string;
  readonly specPath: string;
  readonly proc: RunnerProcess;
}

/** The runner recorded in `<workdir>/runner.pid`, when it is still alive (and still ours). */
export async function liveRunner(transport: RunnerTransport, workdir: string): Promise<LiveRunner | undefined> {
  const recorded = parsePidFile((await transport.readFrom(pidFilePath(workdir), 0)).toString("utf8"));
  if (!recorded) return undefined;
  const proc = { pid: recorded.pid, marker: recorded.specPath };
  return (await transport.isRunning(proc)) ? { runId: recorded.runId, specPath: recorded.specPath, proc } : undefined;
}

/** Stops a live runner: STOP file first, its process group killed after the grace. */
export async function stopLiveRunner(transport: RunnerTransport, workdir: string, live: LiveRunner, log: EngineLog, graceMs = STOP_GRACE_MS): Promise<void> {
  const { runId, proc } = live;
  await log.log("warning", `runner ${runId} (pid ${proc.pid}) is still running on ${transport.host}: stopping it before anything else`);
  await transport.touch(runPaths(workdir, runId).runnerStop);
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && (await transport.isRunning(proc))) await sleep(250);
  if (await transport.isRunning(proc)) {
    await transport.kill(proc);
    await log.log("warning", `runner ${runId} did not stop within ${graceMs / 1000} s; its process group was killed`);
  }
}

/** The controller's own files (the copy side of every check). */
const controller = new LocalTransport("controller", ".");

/** Runs the destroy steps; see the module comment. */
export async function retrieveAndClean(transport: RunnerTransport, input: RetrievalInput, log: EngineLog): Promise<void> {
  const done: string[] = [];
  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    try {
      const value = await fn();
      done.push(name);
      return value;
    } catch (e) {
      throw new DestroyStepError(name, e, done);
    }
  };
  const { workdir } = input;
  await step("stop the runner", async () => {
    const live = await liveRunner(transport, workdir);
    if (live) await stopLiveRunner(transport, workdir, live, log);
  });

  const memDir = resolve(input.outputRoot, "memory", input.host);
  const { dbPath, exportCoreDir, exportRawDebugDir } = memoryLocations(input.settings, workdir);
  await step("retrieve the memory", async () => {
    await mkdir(memDir, { recursive: true });
    if (!(await transport.exists(dbPath))) {
      await log.log("warning", `no memory file at ${dbPath} on ${input.host}: nothing to retrieve`);
      return;
    }
    // Into a fresh staging name (with its WAL, if any, and never a stale one), checked, then put in place: a failed
    // copy never replaces the last good one.
    const copy = join(memDir, "peva_faas.duckdb");
    const staged = join(memDir, `.peva_faas.duckdb.partial-${process.pid}`);
    await rm(staged, { force: true });
    await rm(`${staged}.wal`, { force: true });
    try {
      await transport.fetchFile(dbPath, staged);
      if (await transport.exists(`${dbPath}.wal`)) await transport.fetchFile(`${dbPath}.wal`, `${staged}.wal`);
      const [original, copied] = [await transport.memoryRowCounts(dbPath), await tableRowCounts(staged)];
      const differing = [...new Set([...Object.keys(original), ...Object.keys(copied)])].filter((t) => original[t] !== copied[t]);
      if (differing.length > 0) {
        throw new Error(`the copy of ${dbPath} differs from it: ${differing.map((t) => `${t} ${original[t] ?? "missing"} vs ${copied[t] ?? "missing"}`).join(", ")}`);
      }
      await rm(`${copy}.wal`, { force: true });
      if (await controller.exists(`${staged}.wal`)) await rename(`${staged}.wal`, `${copy}.wal`);
      await rename(staged, copy);
      await log.log("info", `memory retrieved to ${copy}, row counts verified (${Object.entries(copied).map(([t, n]) => `${t}=${n}`).join(", ")})`);
    } finally {
      await rm(staged, { force: true });
      await rm(`${staged}.wal`, { force: true });
    }
  });
  await step("retrieve the Parquet exports", async () => {
    // Core and debug exports, each where the memory settings put it; the copy must hold every file at its size.
    for (const [dir, name] of [[exportCoreDir, "parquet-core"], [exportRawDebugDir, "parquet-debug"]] as const) {
      if (!dir || !(await transport.exists(dir))) continue;
      const into = join(memDir, name);
      await transport.fetchTree(dir, into);
      const [original, copied] = [await transport.listTree(dir), await controller.listTree(into)];
      const byPath = new Map(copied.map((f) => [f.path, f.size]));
      const wrong = original.filter((f) => byPath.get(f.path) !== f.size).map((f) => `${f.path} (${f.size} B, copy ${byPath.get(f.path) ?? "missing"})`);
      if (wrong.length > 0) throw new Error(`the copy of ${dir} in ${into} is incomplete: ${wrong.slice(0, 10).join(", ")}`);
      await log.log("info", `${name}: ${original.length} file(s) retrieved to ${into}, sizes verified`);
    }
  });

  if (!input.cleanup.memory) return;
  await step("opt-in cleanup", async () => {
    // All or nothing: every path is checked before the first one is removed. Real paths (symlinks followed) are
    // resolved on the runner host, where the files are.
    const guard = { workdir, homedir: await transport.homeDir() };
    const paths = input.cleanup.paths;
    const atCheck = await realPathsOn(transport, cleanupRealpathQueries(paths, guard));
    const refused: string[] = [];
    const checked: string[] = [];
    for (const p of paths) {
      try {
        checked.push(resolveCleanupPath(p, { ...guard, realpath: lookup(atCheck) }));
      } catch (e) {
        refused.push(e instanceof Error ? e.message : String(e));
      }
    }
    if (refused.length > 0) throw new CleanupRefusedError(refused);

    // Right before its removal, each path is resolved again, and every answer must be the one it was checked with
    // (a directory swapped for a symlink in between stops everything): the same answers give the same verdict, so
    // the check holds. What is removed is the checked real path, no symlink in it at the check; the transports
    // never follow a symlink at or below it.
    const removed: string[] = [];
    for (const [i, p] of paths.entries()) {
      const real = checked[i]!;
      const now = await realPathsOn(transport, [...cleanupRealpathQueries([p], guard), real]);
      const change = firstChange(atCheck, now, real);
      if (change !== undefined) throw new CleanupPathChangedError(p, change, removed);
      await transport.remove(real);
      removed.push(real);
      await log.log("info", `cleanup: removed ${quoteText(real)}`);
    }
  });
}

/** The real paths of `queries` on the transport's host, by query. */
async function realPathsOn(transport: RunnerTransport, queries: readonly string[]): Promise<Map<string, string>> {
  const answers = await transport.realPaths(queries);
  if (answers.length !== queries.length) throw new Error(`resolving cleanup paths on ${transport.host} returned ${answers.length} of ${queries.length} paths`);
  return new Map(queries.map((q, i) => [q, answers[i]!]));
}

/** A realpath callback answering from `answers`; a question not asked beforehand is a bug here, not a refusal. */
function lookup(answers: ReadonlyMap<string, string>): (query: string) => string {
  return (query) => {
    const answer = answers.get(query);
    if (answer === undefined) throw new Error(`internal: no real path resolved for ${quoteText(query)}`);
    return answer;
  };
}

/**
 * What differs between the answers at the check and now, or undefined: every query answered as before, and the
 * checked real path `real` still its own real path. Pure.
 */
export function firstChange(atCheck: ReadonlyMap<string, string>, now: ReadonlyMap<string, string>, real: string): string | undefined {
  for (const [query, answer] of now) {
    const before = query === real ? real : atCheck.get(query);
    if (before === undefined) return `internal: ${quoteText(query)} was not resolved at the check`;
    if (answer !== before) return `the real path of ${quoteText(query)} was ${quoteText(before)} at the check and is now ${quoteText(answer)}`;
  }
  return undefined;
}
