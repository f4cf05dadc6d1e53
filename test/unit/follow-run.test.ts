/**
 * Following a runner (`components/benchmark-run/follow.ts`) against an in-memory stand-in for the runner host (a
 * test double of `RunnerTransport`: the real transports have their own contract test in
 * test/integration/runner-transport.test.ts). Covers reading by offset with characters split across reads, the
 * STOP propagation, the heartbeat-derived watchdog, a crashed runner, and a host that is unreachable for a while.
 */
import { describe, expect, it } from "vitest";
import { followRun, type FollowOptions } from "../../components/benchmark-run/follow.ts";
import type { EngineLog } from "../../components/engine-log.ts";
import { SshUnreachableError } from "../../components/transport/ssh-errors.ts";
import type { RunnerProcess, RunnerTransport } from "../../components/transport/runner-transport.ts";
import { CANCEL_EVENT, onStopRequest } from "../../components/provider-host/stop-request.ts";

/** An in-memory runner host: files in a map, a runner that is alive until told otherwise. */
class InMemoryHost implements RunnerTransport {
  readonly host = "stand-in";
  readonly files = new Map<string, Buffer>();
  alive = true;
  killed = false;
  /** Reads that fail as if the connection were down. */
  unreachableReads = 0;
  /** Bytes per read, to split multi-byte characters. */
  chunk = 3;
  readonly offsets: number[] = [];
  onRead: (() => void) | undefined;

  append(path: string, text: string): void {
    this.files.set(path, Buffer.concat([this.files.get(path) ?? Buffer.alloc(0), Buffer.from(text, "utf8")]));
  }
  async readFrom(path: string, offset: number, maxBytes = this.chunk): Promise<Buffer> {
    this.onRead?.();
    if (this.unreachableReads > 0) {
      this.unreachableReads--;
      throw new SshUnreachableError(this.host, 3, "Connection timed out");
    }
    this.offsets.push(offset);
    return (this.files.get(path) ?? Buffer.alloc(0)).subarray(offset, offset + Math.min(maxBytes, this.chunk));
  }
  async exists(path: string): Promise<boolean> {
    return this.files.has(path);
  }
  async readTail(path: string, maxBytes: number): Promise<Buffer> {
    const all = this.files.get(path) ?? Buffer.alloc(0);
    return all.subarray(Math.max(0, all.length - maxBytes));
  }
  async listTree(): Promise<{ path: string; size: number }[]> {
    return [];
  }
  async touch(path: string): Promise<void> {
    this.files.set(path, Buffer.alloc(0));
  }
  async isRunning(): Promise<boolean> {
    return this.alive;
  }
  async kill(): Promise<void> {
    this.killed = true;
    this.alive = false;
  }
  async resolvePath(p: string): Promise<string> {
    return p;
  }
  async homeDir(): Promise<string> {
    return "/home/stand-in";
  }
  async realPaths(paths: readonly string[]): Promise<string[]> {
    return [...paths];
  }
  async writeFile(path: string, content: string): Promise<void> {
    this.files.set(path, Buffer.from(content));
  }
  async fetchFile(): Promise<void> {}
  async fetchTree(): Promise<void> {}
  async remove(path: string): Promise<void> {
    this.files.delete(path);
  }
  async startRunner(): Promise<RunnerProcess> {
    return { pid: 42, marker: "spec" };
  }
  async memoryRowCounts(): Promise<Record<string, number>> {
    return {};
  }
  async close(): Promise<void> {}
}

const EVENTS = "/w/runs/r/events.jsonl";
const RUNNER_STOP = "/w/STOP";

function recordingLog(): EngineLog & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    async log(severity, message) {
      lines.push(`${severity}: ${message}`);
    },
    close() {},
  };
}

function event(body: object): string {
  return `${JSON.stringify({ run_id: "r", ts: 0, ...body })}\n`;
}

const FINISHED = event({
  type: "run_finished",
  status: "done",
  success: true,
  counts: { planned: 2, executed: 2, skipped: {}, overloaded: 0, failed: 0, iterations: 4 },
  results_dir: "/r",
  memory_db: "/m",
  frontier: [],
});

function options(host: InMemoryHost, log: EngineLog, over: Partial<FollowOptions> = {}): FollowOptions {
  return {
    transport: host,
    proc: { pid: 42, marker: "spec" },
    eventsFile: EVENTS,
    stopFile: "/controller/STOP",
    runnerStop: RUNNER_STOP,
    log,
    limits: { silenceMs: 60_000, progressMs: 600_000 },
    stopRequested: async () => false,
    pollMs: 1,
    ...over,
  };
}

describe("followRun", () => {
  it("reads by offset in small chunks, decodes characters split across reads, and ends on run_finished", async () => {
    const host = new InMemoryHost();
    host.append(EVENTS, event({ type: "log", level: "info", message: "fonction « déjà vue » ✓ 🙂" }));
    host.append(EVENTS, event({ type: "heartbeat", interval_s: 15, pid: 42 }));
    host.append(EVENTS, FINISHED);
    const log = recordingLog();
    const finished = await followRun(options(host, log));
    expect(finished.status).toBe("done");
    expect(finished.counts.iterations).toBe(4);
    expect(log.lines).toContain("info: fonction « déjà vue » ✓ 🙂");
    // Every read started where the previous one ended: no byte read twice, none skipped.
    const steps = host.offsets.slice(1).map((o, i) => o - host.offsets[i]!);
    expect(steps.every((d) => d === 0 || d === 3)).toBe(true);
  });

  it("propagates a controller STOP to the runner's STOP file once, then reports the runner's own end", async () => {
    const host = new InMemoryHost();
    const log = recordingLog();
    let reads = 0;
    host.onRead = () => {
      reads++;
      if (host.files.has(RUNNER_STOP) && !host.files.get(EVENTS)?.includes("run_finished")) {
        host.append(EVENTS, FINISHED.replace('"done"', '"stopped"').replace('"success":true', '"success":false'));
      }
    };
    let asked = 0;
    const finished = await followRun(options(host, log, { stopRequested: async () => ++asked >= 3 }));
    expect(finished.status).toBe("stopped");
    expect(host.files.has(RUNNER_STOP)).toBe(true);
    expect(log.lines.filter((l) => l.includes("stop requested"))).toHaveLength(1);
    expect(host.killed).toBe(false);
    expect(reads).toBeGreaterThan(3);
  });

  it.each([
    ["the engine's Cancel (Ctrl+C on pulumi up)", () => process.emit(CANCEL_EVENT as "SIGINT")],
    ["a SIGINT to the provider process", () => process.emit("SIGINT", "SIGINT")],
  ])("%s is a stop, not a kill", async (_what, request) => {
    const host = new InMemoryHost();
    const log = recordingLog();
    host.onRead = () => {
      if (host.files.has(RUNNER_STOP) && !host.files.get(EVENTS)?.includes("run_finished")) host.append(EVENTS, FINISHED.replace('"done"', '"stopped"'));
    };
    let asked = false;
    const unlisten = onStopRequest(() => {
      asked = true;
    });
    try {
      const following = followRun(options(host, log, { stopRequested: async () => asked }));
      await new Promise((r) => setTimeout(r, 20));
      request();
      const finished = await following;
      expect(finished.status).toBe("stopped");
      expect(host.killed).toBe(false);
    } finally {
      unlisten();
    }
    expect(process.listenerCount("SIGINT")).toBe(0);
    expect(process.listenerCount(CANCEL_EVENT)).toBe(0);
  });

  it("a runner that exits without run_finished is a failure that says the next up resumes", async () => {
    const host = new InMemoryHost();
    host.append(EVENTS, event({ type: "run_started", schema: "x", planned: 3, host: "h", estimated_s: 10 }));
    host.onRead = () => {
      if ((host.offsets.at(-1) ?? 0) > 20) host.alive = false;
    };
    const finished = await followRun(options(host, recordingLog()));
    expect(finished.status).toBe("failed");
    expect(finished.counts.planned).toBe(3);
    expect(finished.message).toMatch(/exited without finishing.*resumes/);
  });

  it("heartbeats keep a silent campaign alive; their absence past the limit is a hang: STOP, then the group is killed", async () => {
    const host = new InMemoryHost();
    host.chunk = 1 << 20;
    const log = recordingLog();
    // Heartbeats only, for longer than the silence limit in total: not a hang.
    let beats = 0;
    host.onRead = () => {
      if (beats < 30) {
        host.append(EVENTS, event({ type: "heartbeat", interval_s: 15, pid: 42 }));
        beats++;
      } else if (beats === 30) {
        host.append(EVENTS, FINISHED);
        beats++;
      }
    };
    const alive = await followRun(options(host, log, { limits: { silenceMs: 5, progressMs: 600_000 }, pollMs: 2 }));
    expect(alive.status).toBe("done");

    const hung = new InMemoryHost();
    hung.append(EVENTS, event({ type: "heartbeat", interval_s: 15, pid: 42 }));
    const started = Date.now();
    const verdict = await followRun(options(hung, recordingLog(), { limits: { silenceMs: 50, progressMs: 600_000 }, stopGraceMs: 10 }));
    expect(verdict.status).toBe("failed");
    expect(verdict.message).toMatch(/not even a heartbeat/);
    expect(hung.files.has(RUNNER_STOP)).toBe(true);
    expect(hung.killed).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
  }, 60_000);

  it("a runner that only beats, past the progress limit, is stuck: STOP, then the group is killed", async () => {
    const host = new InMemoryHost();
    host.chunk = 1 << 20;
    host.append(EVENTS, event({ type: "run_started", schema: "x", planned: 3, host: "h", estimated_s: 10 }));
    host.onRead = () => host.append(EVENTS, event({ type: "heartbeat", interval_s: 15, pid: 42 }));
    const verdict = await followRun(options(host, recordingLog(), { limits: { silenceMs: 60_000, progressMs: 50 }, stopGraceMs: 10, pollMs: 2 }));
    expect(verdict.status).toBe("failed");
    expect(verdict.message).toMatch(/only heartbeats, no progress/);
    expect(host.files.has(RUNNER_STOP)).toBe(true);
    expect(host.killed).toBe(true);
  });

  it("a stop whose STOP file cannot be written yet (host unreachable) is retried, not turned into a kill", async () => {
    const host = new InMemoryHost();
    host.chunk = 1 << 20;
    let touches = 0;
    const touch = host.touch.bind(host);
    host.touch = async (path: string) => {
      if (++touches <= 3) throw new SshUnreachableError(host.host, 3, "Connection timed out");
      await touch(path);
      host.append(EVENTS, FINISHED.replace('"done"', '"stopped"'));
    };
    const verdict = await followRun(options(host, recordingLog(), { stopRequested: async () => true, stopGraceMs: 1_000 }));
    expect(verdict.status).toBe("stopped");
    expect(verdict.message).toBe("");
    expect(host.killed).toBe(false);
  });

  it("an unreachable host is retried from the same offset, and its silence is not held against the runner", async () => {
    const host = new InMemoryHost();
    host.chunk = 1 << 20;
    host.append(EVENTS, event({ type: "heartbeat", interval_s: 15, pid: 42 }));
    const log = recordingLog();
    let n = 0;
    host.onRead = () => {
      n++;
      if (n === 2) host.unreachableReads = 40;
      if (n === 60) host.append(EVENTS, FINISHED);
    };
    const finished = await followRun(options(host, log));
    expect(finished.status).toBe("done");
    expect(log.lines.some((l) => l.includes("cannot reach stand-in over SSH"))).toBe(true);
    expect(log.lines.some((l) => /reachable again .* from byte \d+/.test(l))).toBe(true);
    const afterOutage = host.offsets.filter((o) => o > 0);
    expect(new Set(afterOutage).size).toBeLessThanOrEqual(2);
  });
});
