/**
 * Following a runner: read its JSON-lines event stream by offset (UTF-8 decoded across reads), report progress
 * to the Pulumi log, propagate a stop request (see `FollowOptions.stopRequested`) to the runner's STOP file, and
 * end when the runner reports done / stopped / failed, exits, hangs (no event, or only heartbeats, for too long),
 * or its host stays unreachable too long. A dropped connection is retried; the run goes on on the host meanwhile.
 */
import { StringDecoder } from "node:string_decoder";
import { setTimeout as sleep } from "node:timers/promises";
import {
  formatDuration,
  parseEventLine,
  progressLine,
  splitLines,
  type AllOverloadedSet,
  type FollowerLimits,
  type RunCounts,
  type RunEvent,
  type RunStatus,
} from "@peva-lab/peva-faas/runner";
import type { EngineLog } from "../engine-log.ts";
import { SshUnreachableError } from "../transport/ssh-errors.ts";
import type { RunnerProcess, RunnerTransport } from "../transport/runner-transport.ts";
import { noCounts, STARTUP_LIMIT_MS, STOP_GRACE_MS, UNREACHABLE_LIMIT_MS } from "./run-rules.ts";

/** How a followed run ended. */
export interface Finished {
  readonly status: RunStatus;
  readonly success: boolean;
  readonly counts: RunCounts;
  readonly message: string;
  readonly frontier: readonly { functions: string; rates: Record<string, number> }[];
  /** Function sets where every measured configuration overloaded, with their lowest overloaded rates. */
  readonly allOverloaded: readonly AllOverloadedSet[];
}

/** What {@link followRun} needs. */
export interface FollowOptions {
  readonly transport: RunnerTransport;
  readonly proc: RunnerProcess;
  readonly eventsFile: string;
  /** Controller-side STOP file. */
  readonly stopFile: string;
  /** Runner-side STOP file. */
  readonly runnerStop: string;
  /** The runner's own output (stderr): its last lines explain a crash. */
  readonly logPath?: string;
  readonly log: EngineLog;
  /** After the first event: how long without any event, and without progress, counts as a hang. */
  readonly limits: FollowerLimits;
  /**
   * Whether a stop was asked for: the controller's STOP file (on the controller, not on the runner host), Ctrl+C
   * on `pulumi up`, a signal to the provider. Latched by the caller from before the runner started.
   */
  readonly stopRequested: () => Promise<boolean>;
  readonly pollMs?: number;
  /** How long a stop may take before the runner's group is killed; default {@link STOP_GRACE_MS}. */
  readonly stopGraceMs?: number;
}

/** Follows the run until it finishes; see the module comment. */
export async function followRun(opts: FollowOptions): Promise<Finished> {
  const { transport, proc, log } = opts;
  const pollMs = opts.pollMs ?? 250;
  const stopGraceMs = opts.stopGraceMs ?? STOP_GRACE_MS;
  const decoder = new StringDecoder("utf8");
  const counts = noCounts();
  let offset = 0;
  let pending = "";
  let sawEvent = false;
  let lastEventAt = Date.now();
  let lastProgressAt = Date.now();
  let unreachableSince: number | undefined;
  let stopSentAt: number | undefined;

  /** Feeds newly read bytes; returns the finish when `run_finished` arrived. */
  const feed = async (chunk: Buffer, flush: boolean): Promise<Finished | undefined> => {
    offset += chunk.length;
    const text = decoder.write(chunk) + (flush ? `${decoder.end()}\n` : "");
    const { lines, rest } = splitLines(pending, text);
    pending = rest;
    for (const line of lines) {
      let event: RunEvent | undefined;
      try {
        event = parseEventLine(line);
      } catch (e) {
        await log.log("warning", `ignoring a malformed runner event: ${e instanceof Error ? e.message : String(e)}`);
        continue;
      }
      if (!event) continue;
      sawEvent = true;
      lastEventAt = Date.now();
      if (event.type !== "heartbeat") lastProgressAt = lastEventAt;
      const done = await onEvent(event, counts, log);
      if (done) return done;
    }
    return undefined;
  };

  for (;;) {
    try {
      const done = await feed(await opts.transport.readFrom(opts.eventsFile, offset), false);
      if (done) return done;
      if (unreachableSince !== undefined) {
        await log.log("info", `${transport.host} is reachable again after ${formatDuration((Date.now() - unreachableSince) / 1000)}; following the run from byte ${offset}`);
        unreachableSince = undefined;
        lastEventAt = lastProgressAt = Date.now(); // silence while we could not look is not the runner's
      }
      if (stopSentAt === undefined && (await opts.stopRequested())) {
        await transport.touch(opts.runnerStop);
        // Only once the STOP file exists does the grace start: a touch lost to a dropped connection is retried.
        stopSentAt = Date.now();
        await log.log("warning", "stop requested: asking the runner to stop (it checkpoints its memory first)");
      }
      if (!(await transport.isRunning(proc))) {
        // Drain what the runner wrote before exiting (reads are bounded in size: loop until nothing is left).
        for (;;) {
          const tail = await transport.readFrom(opts.eventsFile, offset);
          const last = await feed(tail, tail.length === 0);
          if (last) return last;
          if (tail.length === 0) break;
        }
        const tail = opts.logPath ? lastLines((await transport.readTail(opts.logPath, 16_384)).toString("utf8"), 15) : "";
        return ended(
          "failed",
          counts,
          `the runner exited without finishing (crashed or killed); the next \`pulumi up\` resumes from the memory${tail ? `\nlast lines of ${opts.logPath}:\n${tail}` : ""}`,
        );
      }
      if (stopSentAt !== undefined && Date.now() - stopSentAt > stopGraceMs) {
        await transport.kill(proc);
        return ended("stopped", counts, `the runner did not stop within ${stopGraceMs / 1000} s; its process group was killed`);
      }
      const silence = sawEvent ? opts.limits.silenceMs : STARTUP_LIMIT_MS;
      const hung =
        Date.now() - lastEventAt > silence
          ? `no event (not even a heartbeat) from the runner for ${formatDuration(silence / 1000)}`
          : sawEvent && Date.now() - lastProgressAt > opts.limits.progressMs
            ? `only heartbeats, no progress, from the runner for ${formatDuration(opts.limits.progressMs / 1000)}`
            : undefined;
      if (hung) {
        await transport.touch(opts.runnerStop);
        await sleep(stopGraceMs);
        await transport.kill(proc);
        return ended("failed", counts, `${hung}: considered hung; its process group was killed`);
      }
    } catch (e) {
      if (!(e instanceof SshUnreachableError)) throw e;
      unreachableSince ??= Date.now();
      await log.log("warning", `${e.message}; the run goes on on ${transport.host}, retrying`);
      if (Date.now() - unreachableSince > UNREACHABLE_LIMIT_MS) {
        return ended(
          "failed",
          counts,
          `${transport.host} unreachable for ${formatDuration(UNREACHABLE_LIMIT_MS / 1000)}; the runner may still be running there: the next \`pulumi up\` re-attaches to it, \`pulumi destroy\` stops it`,
        );
      }
    }
    await sleep(pollMs);
  }
}

function lastLines(text: string, n: number): string {
  return text.trimEnd().split("\n").slice(-n).join("\n");
}

function ended(status: RunStatus, counts: RunCounts, message: string): Finished {
  return { status, success: false, counts, message, frontier: [], allOverloaded: [] };
}

async function onEvent(event: RunEvent, counts: RunCounts, log: EngineLog): Promise<Finished | undefined> {
  switch (event.type) {
    case "run_started":
      counts.planned = event.planned;
      await log.log("info", `campaign: ${event.planned} configurations planned, estimated ${formatDuration(event.estimated_s)}`);
      return undefined;
    case "progress":
      await log.log("info", progressLine(event), { ephemeral: true });
      return undefined;
    case "config_failed":
      await log.log("warning", `configuration ${event.config_id} failed (${event.reason}): ${event.message}`);
      return undefined;
    case "iteration_lost":
      await log.log("warning", `iteration ${event.iteration} of ${event.config_id} was lost in a crash and runs again: ${event.message}`);
      return undefined;
    case "log":
      await log.log(event.level === "warn" ? "warning" : event.level, event.message);
      return undefined;
    case "run_finished":
      Object.assign(counts, event.counts);
      return {
        status: event.status,
        success: event.success,
        counts: event.counts,
        message: event.message ?? "",
        frontier: event.frontier,
        allOverloaded: event.all_overloaded ?? [],
      };
    default:
      return undefined;
  }
}
