import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stageEvents } from "../../src/memory/event-staging.ts";
import { PayloadLayouts } from "../../src/memory/payload-layout.ts";
import {
  HotCache,
  InMemoryMemoryStore,
  IncompleteConfigurationError,
  UnsettledConfigurationError,
  createInMemoryMemoryEngine,
  skipEvent,
  withCheckpoint,
  type ExecutionEvent,
  type MemoryEngine,
  type PolicyUpdater,
  type RunSession,
  type SelectionMode,
  type WriteBatch,
} from "../../src/memory/index.ts";
import { makeConfiguration, type Configuration } from "../../src/model.ts";

const A = makeConfiguration([{ name: "figlet", rate: 10 }]);
const B = makeConfiguration([{ name: "figlet", rate: 20 }]);

function session(over: Partial<RunSession> = {}): RunSession {
  return {
    runId: "run-1",
    campaignId: "camp",
    startedAt: 1000,
    mode: "online",
    batchSizeN: 3,
    batchWindowS: 30,
    configHash: "h",
    gitRev: null,
    loadgen: "vegeta v12.13.0",
    latencyUnit: "ns",
    ...over,
  };
}

function ev(config: Configuration, iteration: number, over: Partial<ExecutionEvent> = {}): ExecutionEvent {
  return {
    campaignId: "camp",
    runId: "run-1",
    config,
    iteration,
    repetition: 1,
    startTs: 100 * iteration,
    endTs: 100 * iteration + 30,
    status: "executed",
    skipReason: null,
    resultRow: { success_rate_function_1: 1, rate_function_1: config.pairs[0]!.rate, function_1: "figlet" },
    metrics: { cpu_usage_node: 50 },
    loadReport: { generator: "vegeta v12.13.0", format: "vegeta-report-json/v12", document: { success: 1 } },
    ...over,
  };
}

/** A policy that records what the engine fed it. */
class RecordingPolicy implements PolicyUpdater {
  online: ExecutionEvent[] = [];
  batches: ExecutionEvent[][] = [];
  updateOnline(e: ExecutionEvent) {
    this.online.push(e);
    return { score: this.online.length, loss: 0.5 };
  }
  updateBatch(events: readonly ExecutionEvent[]) {
    this.batches.push([...events]);
    return { loss: Number.NaN };
  }
}

async function started(
  store: InMemoryMemoryStore,
  opts: { mode?: SelectionMode; policy?: PolicyUpdater; clock?: () => number; runId?: string } = {},
): Promise<MemoryEngine> {
  const engine = createInMemoryMemoryEngine({
    store,
    session: session({ mode: opts.mode ?? "online", runId: opts.runId ?? "run-1" }),
    ...(opts.policy ? { policy: opts.policy } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  await engine.startup();
  return engine;
}

describe("memory engine (in-memory store)", () => {
  it("ingest is idempotent: the same event twice is one row", async () => {
    const store = new InMemoryMemoryStore();
    const engine = await started(store);
    await engine.ingestEvent(ev(A, 1));
    await engine.ingestEvent(ev(A, 1));
    await engine.ingestEvents([ev(A, 1), ev(A, 2), ev(A, 2)]);
    expect(store.snapshot().events).toHaveLength(2);
    expect(store.snapshot().catalog).toEqual([A.id]);
  });

  it("an executed event upgrades a stopped one with the same key (resume under the same run id)", async () => {
    const store = new InMemoryMemoryStore();
    const engine = await started(store);
    await engine.ingestEvent(ev(A, 1, { status: "stopped", skipReason: "stopped", resultRow: null }));
    await engine.ingestEvent(ev(A, 1));
    await engine.ingestEvent(ev(A, 1, { status: "failed", skipReason: "late duplicate" }));
    const events = await engine.eventsOf(A.id);
    expect(events).toHaveLength(1);
    expect(events[0]!.status).toBe("executed");
  });

  it("stores failed and skipped events with their reason (defect 8)", async () => {
    const store = new InMemoryMemoryStore();
    const engine = await started(store);
    await engine.ingestEvent(ev(A, 2, { status: "failed", skipReason: "k6 failed with exit code 99", resultRow: null }));
    await engine.ingestEvent(skipEvent({ campaignId: "camp", runId: "run-1", repetition: 1, config: B, reason: "already_in_memory", at: 1 }));
    const rows = store.snapshot().events.map((e) => [e.config.id, e.status, e.skipReason]);
    expect(rows).toEqual([
      [A.id, "failed", "k6 failed with exit code 99"],
      [B.id, "skipped", "already_in_memory"],
    ]);
  });

  it("a configuration is DONE only after all its iterations (defect 11), also across runs", async () => {
    const store = new InMemoryMemoryStore();
    const first = await started(store);
    await first.ingestEvent(ev(A, 1));
    await first.ingestEvent(ev(A, 2, { status: "stopped", skipReason: "stopped" }));
    expect(first.isSeen(A.id)).toBe(false);
    await expect(first.completeConfig({ config: A, iterations: 3, overloadCount: 0, overloaded: false })).rejects.toThrow(
      IncompleteConfigurationError,
    );
    await expect(first.completeConfig({ config: A, iterations: 3, overloadCount: 0, overloaded: false })).rejects.toThrow(
      /iteration\(s\) 2, 3 of 3/,
    );
    await first.close();

    // The resumed run sees the partial config as not done and gets its stored events to continue from.
    const second = await started(store, { runId: "run-2" });
    expect(second.isSeen(A.id)).toBe(false);
    const done = (await second.eventsOf(A.id)).filter((e) => e.status === "executed").map((e) => e.iteration);
    expect(done).toEqual([1]);
    await second.ingestEvent(ev(A, 2, { runId: "run-2" }));
    await second.ingestEvent(ev(A, 3, { runId: "run-2" }));
    const verdict = await second.completeConfig({ config: A, iterations: 3, overloadCount: 2, overloaded: true });
    expect(verdict).toMatchObject({ campaignId: "camp", runId: "run-2", overloaded: true, overloadCount: 2 });
    expect(second.isSeen(A.id)).toBe(true);
    await second.close();

    // A third run rebuilds the verdicts (dominance across runs, defect 6) and the done set from the store.
    const third = await started(store, { runId: "run-3" });
    expect(third.isSeen(A.id)).toBe(true);
    expect(third.verdicts().map((v) => [v.config.id, v.overloaded])).toEqual([[A.id, true]]);
  });

  it("a configuration decided early is DONE after its judged iterations, only when the rest could not change the verdict", async () => {
    const store = new InMemoryMemoryStore();
    const engine = await started(store);
    await engine.ingestEvent(ev(A, 1));
    await engine.ingestEvent(ev(A, 2));
    await engine.ingestEvent(ev(A, 3, { status: "not_needed", skipReason: "decided_early: 0 of 2 judged iterations overloaded", resultRow: null, metrics: null, loadReport: null }));
    // 1 overload of 2 judged, 1 left: the third could still make it 2 of 3.
    await expect(engine.completeConfig({ config: A, iterations: 3, judged: 2, overloadCount: 1, overloaded: false })).rejects.toThrow(UnsettledConfigurationError);
    // Claiming the opposite of what the majority already says is refused too.
    await expect(engine.completeConfig({ config: A, iterations: 3, judged: 2, overloadCount: 0, overloaded: true })).rejects.toThrow(
      /cannot be decided after 2 of 3 iterations with 0 overloaded/,
    );
    // Judged iterations must all be executed.
    await expect(engine.completeConfig({ config: B, iterations: 3, judged: 2, overloadCount: 0, overloaded: false })).rejects.toThrow(
      /no executed event for iteration\(s\) 1, 2 of 3/,
    );
    await expect(engine.completeConfig({ config: A, iterations: 3, judged: 4, overloadCount: 0, overloaded: false })).rejects.toThrow(RangeError);
    const verdict = await engine.completeConfig({ config: A, iterations: 3, judged: 2, overloadCount: 0, overloaded: false });
    expect(verdict).toMatchObject({ iterations: 3, overloadCount: 0, overloaded: false });
    expect(engine.isSeen(A.id)).toBe(true);
    expect(store.snapshot().events.map((e) => [e.iteration, e.status])).toEqual([
      [1, "executed"],
      [2, "executed"],
      [3, "not_needed"],
    ]);
  });

  it("result files can be derived from the store across runs (defect 13)", async () => {
    const store = new InMemoryMemoryStore();
    const first = await started(store);
    await first.ingestEvent(ev(A, 1));
    await first.ingestEvent(skipEvent({ campaignId: "camp", runId: "run-1", repetition: 1, config: B, reason: "dominated_by_overload", at: 50 }));
    await first.close();
    const second = await started(store, { runId: "run-2" });
    await second.ingestEvent(ev(A, 2, { runId: "run-2" }));
    const executed = await second.campaignEvents(["executed"]);
    expect(executed.map((e) => [e.runId, e.iteration])).toEqual([
      ["run-1", 1],
      ["run-2", 2],
    ]);
    expect((await second.campaignEvents()).map((e) => e.status)).toEqual(["skipped", "executed", "executed"]);
  });

  it("done is scoped by campaign", async () => {
    const store = new InMemoryMemoryStore();
    const engine = await started(store);
    for (const k of [1, 2, 3]) await engine.ingestEvent(ev(A, k));
    await engine.completeConfig({ config: A, iterations: 3, overloadCount: 0, overloaded: false });
    await engine.close();
    const other = createInMemoryMemoryEngine({ store, session: session({ campaignId: "other", runId: "x" }) });
    await other.startup();
    expect(other.isSeen(A.id)).toBe(false);
    await expect(other.ingestEvent(ev(A, 1))).rejects.toThrow(/campaign 'camp' sent to the memory of campaign 'other'/);
  });

  it("records the run session and its end state", async () => {
    const store = new InMemoryMemoryStore();
    const engine = await started(store);
    await engine.finishSession("stopped");
    expect(store.snapshot().sessions).toEqual([
      expect.objectContaining({ runId: "run-1", campaignId: "camp", status: "stopped", mode: "online", loadgen: "vegeta v12.13.0", latencyUnit: "ns" }),
    ]);
  });

  it("refuses a session whose latency unit is not ns, ms or null", () => {
    const bad = session({ latencyUnit: "us" as unknown as "ns" });
    expect(() => createInMemoryMemoryEngine({ session: bad })).toThrow('session.latencyUnit must be "ns", "ms" or null, got "us"');
    for (const latencyUnit of ["ns", "ms", null] as const) expect(() => createInMemoryMemoryEngine({ session: session({ latencyUnit }) })).not.toThrow();
  });

  it("keeps an event's load report as given (generator, format, document)", async () => {
    const store = new InMemoryMemoryStore();
    const engine = await started(store);
    const loadReport = { generator: "k6 v1.3.0", format: "k6-summary/v1", document: { metrics: { http_reqs: { count: 3 } } } };
    await engine.ingestEvent(ev(A, 1, { loadReport }));
    await engine.ingestEvent(ev(A, 2, { loadReport: null }));
    expect((await engine.eventsOf(A.id)).map((e) => e.loadReport)).toEqual([loadReport, null]);
  });

  it("online mode updates the policy after every event and records each update", async () => {
    const store = new InMemoryMemoryStore();
    const policy = new RecordingPolicy();
    const engine = await started(store, { policy });
    await engine.ingestEvent(ev(A, 1));
    await engine.ingestEvent(ev(A, 2));
    await engine.checkpoint();
    expect(policy.online.map((e) => e.iteration)).toEqual([1, 2]);
    const updates = store.snapshot().policyUpdates;
    expect(updates.map((u) => [u.mode, u.recordsSeen, u.score, u.loss])).toEqual([
      ["online", 1, 1, 0.5],
      ["online", 1, 2, 0.5],
    ]);
  });

  it("micro_batch mode updates every N events, after T seconds, and at checkpoint", async () => {
    let now = 0;
    const store = new InMemoryMemoryStore();
    const policy = new RecordingPolicy();
    const engine = await started(store, { mode: "micro_batch", policy, clock: () => now });
    for (const k of [1, 2, 3]) await engine.ingestEvent(ev(A, k)); // N = 3
    expect(policy.batches.map((b) => b.length)).toEqual([3]);
    await engine.ingestEvent(ev(B, 1));
    expect(policy.batches).toHaveLength(1);
    now = 31; // window of 30 s passed: the next ingest triggers an update
    await engine.ingestEvent(ev(B, 2));
    expect(policy.batches.map((b) => b.length)).toEqual([3, 2]);
    await engine.ingestEvent(ev(B, 3));
    await engine.checkpoint(); // flushes the partial batch
    expect(policy.batches.map((b) => b.length)).toEqual([3, 2, 1]);
    expect(policy.online).toHaveLength(0);
    expect(store.snapshot().policyUpdates.map((u) => [u.mode, u.recordsSeen, u.loss])).toEqual([
      ["micro_batch", 3, null],
      ["micro_batch", 2, null],
      ["micro_batch", 1, null],
    ]);
  });

  it("a throwing policy does not lose the event", async () => {
    const store = new InMemoryMemoryStore();
    const policy: PolicyUpdater = {
      updateOnline: () => {
        throw new Error("policy bug");
      },
      updateBatch: () => undefined,
    };
    const engine = await started(store, { policy });
    await expect(engine.ingestEvent(ev(A, 1))).rejects.toThrow("policy bug");
    expect(store.snapshot().events).toHaveLength(1);
  });

  it("keeps a feature vector per configuration: mean of numeric result-row values", async () => {
    const store = new InMemoryMemoryStore();
    const engine = await started(store);
    await engine.ingestEvent(ev(A, 1, { resultRow: { x: 1, y: Number.NaN, s: "a" } }));
    await engine.ingestEvent(ev(A, 2, { resultRow: { x: 3, y: 4 } }));
    await engine.ingestEvent(ev(A, 3, { status: "failed", skipReason: "boom", resultRow: { x: 100 } }));
    expect(engine.featureNames()).toEqual(["x", "y"]);
    expect([...engine.featureVector(A.id)!]).toEqual([2, 4]);
    expect(engine.featureVector(B.id)).toBeUndefined();
    await engine.close();
    const reopened = await started(store, { runId: "run-2" });
    expect([...reopened.featureVector(A.id)!]).toEqual([2, 4]);
  });

  it("batches writes when asked and flushes them at checkpoint", async () => {
    const store = new InMemoryMemoryStore();
    const engine = createInMemoryMemoryEngine({ store, session: session(), writeBatchSize: 10 });
    await engine.startup();
    await engine.ingestEvent(ev(A, 1));
    expect(store.snapshot().events).toHaveLength(0);
    await engine.checkpoint();
    expect(store.snapshot().events).toHaveLength(1);
    expect(store.checkpoints).toBe(1);
  });

  it("refuses use before startup and after close", async () => {
    const engine = createInMemoryMemoryEngine({ session: session() });
    await expect(engine.ingestEvent(ev(A, 1))).rejects.toThrow(/not started/);
    await engine.startup();
    await engine.close();
    await expect(engine.checkpoint()).rejects.toThrow(/closed/);
  });
});

describe("withCheckpoint", () => {
  function fakeEngine() {
    const calls: string[] = [];
    return {
      calls,
      checkpoint: async () => {
        calls.push("checkpoint");
      },
      exportParquet: async () => {
        calls.push("export");
        return { core: {}, debug: {} };
      },
    };
  }

  it("checkpoints then exports when the run is done", async () => {
    const e = fakeEngine();
    await expect(withCheckpoint(e, async () => "done")).resolves.toBe("done");
    expect(e.calls).toEqual(["checkpoint", "export"]);
  });

  it("checkpoints when the run is stopped", async () => {
    const e = fakeEngine();
    await expect(withCheckpoint(e, async () => "stopped" as const)).resolves.toBe("stopped");
    expect(e.calls).toEqual(["checkpoint", "export"]);
  });

  it("checkpoints when the run fails, and rethrows the run's error", async () => {
    const e = fakeEngine();
    const boom = new Error("k6 exploded");
    await expect(
      withCheckpoint(e, async () => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(e.calls).toEqual(["checkpoint", "export"]);
  });

  it("reports both errors when the checkpoint fails after a failed run", async () => {
    const e = {
      checkpoint: async () => {
        throw new Error("disk full");
      },
    };
    const err = await withCheckpoint(e, async () => {
      throw new Error("k6 exploded");
    }).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(AggregateError);
    expect((err as AggregateError).errors.map((x) => (x as Error).message)).toEqual(["k6 exploded", "disk full"]);
  });

  it("checkpoints a real engine: buffered events reach the store on a failure path", async () => {
    const store = new InMemoryMemoryStore();
    const engine = createInMemoryMemoryEngine({ store, session: session(), writeBatchSize: 100 });
    await engine.startup();
    await expect(
      withCheckpoint(engine, async () => {
        await engine.ingestEvent(ev(A, 1));
        throw new Error("interrupted");
      }),
    ).rejects.toThrow("interrupted");
    expect(store.snapshot().events).toHaveLength(1);
    expect(store.checkpoints).toBe(1);
  });
});

describe("hot cache", () => {
  it("isSeen is a Map lookup over done configurations; the first verdict wins", () => {
    const cache = new HotCache();
    const v = { config: A, iterations: 3, overloadCount: 0, overloaded: false, campaignId: "c", runId: "r", decidedAt: 1 };
    cache.markDone(v);
    cache.markDone({ ...v, overloaded: true });
    expect(cache.isDone(A.id)).toBe(true);
    expect(cache.isDone(B.id)).toBe(false);
    expect(cache.doneCount).toBe(1);
    expect(cache.verdicts()[0]!.overloaded).toBe(false);
  });

  it("feature vectors share one layout that grows as new columns appear", () => {
    const cache = new HotCache();
    cache.addResultRow("a", { x: 1 });
    cache.addResultRow("b", { y: 2 });
    cache.addResultRow("a", { y: 5, x: 3 });
    expect(cache.featureNames()).toEqual(["x", "y"]);
    expect([...cache.featureVector("a")!]).toEqual([2, 5]);
    expect(cache.featureVector("b")![0]).toBeNaN();
    expect(cache.featureVector("b")![1]).toBe(2);
  });
});

describe("hot cache from staged batches", () => {
  it("addStaged gives the same feature names and vectors as addResultRow on each executed row", () => {
    const configs = [A, B, makeConfiguration([{ name: "env", rate: 5 }, { name: "figlet", rate: 5 }])];
    const value = fc.oneof(fc.double({ noDefaultInfinity: true }), fc.constant(Number.NaN), fc.constantFrom("figlet", "env"));
    const row = fc.option(fc.dictionary(fc.constantFrom("a", "b", "c", "d"), value, { maxKeys: 4 }), { nil: null });
    const event = fc.record({
      c: fc.integer({ min: 0, max: 2 }),
      executed: fc.boolean(),
      row,
    });
    fc.assert(
      fc.property(fc.array(event, { maxLength: 40 }), (specs) => {
        const events = specs.map((s, i) =>
          ev(configs[s.c]!, i + 1, s.executed ? { resultRow: s.row } : { status: "failed", skipReason: "boom", resultRow: s.row }),
        );
        const byRow = new HotCache();
        for (const e of events) if (e.status === "executed" && e.resultRow !== null) byRow.addResultRow(e.config.id, e.resultRow);
        const byStaged = new HotCache();
        byStaged.addStaged(stageEvents(events, new PayloadLayouts()));
        expect(byStaged.featureNames()).toEqual(byRow.featureNames());
        for (const c of configs) expect(byStaged.featureVector(c.id)).toEqual(byRow.featureVector(c.id));
      }),
    );
  });
});

describe("bulk ingest", () => {
  /** A store whose writes take a while, recording how many overlap and what staged values each one received. */
  class SlowStore extends InMemoryMemoryStore {
    inFlight = 0;
    maxInFlight = 0;
    received: { iterations: number[]; staged: number[] | null }[] = [];
    failOnIteration: number | undefined;
    override async write(batch: WriteBatch): Promise<void> {
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      // What the store would read from the staged columns, read when its turn comes (as the DuckDB store does).
      await new Promise((resolve) => setTimeout(resolve, 5));
      const staged = batch.staged ? [...batch.staged.resultValues] : null;
      this.received.push({ iterations: batch.events.map((e) => e.iteration), staged });
      try {
        if (batch.events.some((e) => e.iteration === this.failOnIteration)) throw new Error("disk full");
        await super.write(batch);
      } finally {
        this.inFlight--;
      }
    }
  }

  const rows = (n: number) => Array.from({ length: n }, (_, i) => ev(i % 2 ? A : B, i + 1, { resultRow: { rate_function_1: i, function_1: "figlet" } }));

  it("writes chunk after chunk in order, at most two in flight, each with its own staged values", async () => {
    const store = new SlowStore();
    const engine = createInMemoryMemoryEngine({ store, session: session(), bulkChunkSize: 3 });
    await engine.startup();
    await engine.ingestEvents(rows(10));
    expect(store.received.map((r) => r.iterations)).toEqual([[1, 2, 3], [4, 5, 6], [7, 8, 9], [10]]);
    // Two staging arenas alternate: a chunk's values must not be overwritten by the chunk after next.
    expect(store.received.map((r) => r.staged)).toEqual([[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]);
    expect(store.maxInFlight).toBe(2);
    expect((await engine.campaignEvents()).length).toBe(10);
    expect([...engine.featureVector(A.id)!]).toEqual([5]); // mean of rates 1, 3, 5, 7, 9
    await engine.close();
  });

  it("a failed chunk rejects the call, keeps its events for the next flush, and loses no other chunk", async () => {
    const store = new SlowStore();
    store.failOnIteration = 5;
    const engine = createInMemoryMemoryEngine({ store, session: session(), bulkChunkSize: 3 });
    await engine.startup();
    await expect(engine.ingestEvents(rows(12))).rejects.toThrow(/disk full/);
    store.failOnIteration = undefined;
    await engine.flush();
    const stored = (await engine.campaignEvents()).map((e) => e.iteration).sort((a, b) => a - b);
    // Chunks 1 and 3 (in flight when chunk 2 failed) and the retried chunk 2 are stored; chunk 4 never started.
    expect(stored).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await engine.close();
  });

  it("the hot cache has a chunk's features before the policy hears of the chunk", async () => {
    const seen: (number | undefined)[] = [];
    const policy: PolicyUpdater = {
      updateOnline: (e) => void seen.push(engine.featureVector(e.config.id)?.[0]),
      updateBatch: () => undefined,
    };
    const engine = createInMemoryMemoryEngine({ store: new InMemoryMemoryStore(), session: session(), policy, bulkChunkSize: 2 });
    await engine.startup();
    await engine.ingestEvents(rows(4));
    expect(seen).toEqual([0, 1, 1, 2]); // B: rate 0, then A: rate 1; then B: mean(0, 2) = 1, A: mean(1, 3) = 2
    await engine.close();
  });

  it("one bulk ingest at a time: concurrent calls do not share staging buffers", async () => {
    const store = new SlowStore();
    const engine = createInMemoryMemoryEngine({ store, session: session(), bulkChunkSize: 2 });
    await engine.startup();
    const all = rows(12);
    await Promise.all([engine.ingestEvents(all.slice(0, 6)), engine.ingestEvents(all.slice(6))]);
    for (const r of store.received) expect(r.staged).toEqual(r.iterations.map((i) => i - 1));
    expect((await engine.campaignEvents()).length).toBe(12);
    await engine.close();
  });
});
