/**
 * The memory engine: a {@link MemoryStore} plus the hot cache and the policy-update schedule (reference §11.4).
 * Store-agnostic, so the same logic runs over DuckDB in campaigns and over a Map in unit tests.
 */
import { randomUUID } from "node:crypto";
import type {
  ConfigCompletion,
  ConfigVerdict,
  EventStatus,
  ExecutionEvent,
  MemoryEngine,
  MemoryStore,
  ParquetExportReport,
  PolicyUpdateRecord,
  PolicyUpdater,
  PolicyUpdateResult,
  RunSession,
  SessionStatus,
} from "./contracts.ts";
import { StagingArena, stageEvents, type StagedEvents } from "./event-staging.ts";
import { validateEvent } from "./events.ts";
import { settledConfigVerdict } from "../plan/dominance.ts";
import { HotCache } from "./hot-cache.ts";
import { PayloadLayouts } from "./payload-layout.ts";
import { InMemoryMemoryStore } from "./in-memory-store.ts";

/** Epoch seconds; injectable so micro-batch windows are tested without waiting. */
export type Clock = () => number;

/** The system clock in epoch seconds. */
export const systemClock: Clock = () => Date.now() / 1000;

/** Options of {@link createMemoryEngine}. */
export interface MemoryEngineOptions {
  readonly store: MemoryStore;
  readonly session: RunSession;
  /** Receives updates; omit for none (nothing is recorded in `policy_updates` then). */
  readonly policy?: PolicyUpdater;
  readonly clock?: Clock;
  /**
   * Events buffered before a write transaction. Default 1: every `ingestEvent` is committed before it resolves,
   * so a killed campaign loses no finished iteration. Bulk loads use `ingestEvents`, which batches anyway.
   */
  readonly writeBatchSize?: number;
  /**
   * Rows per transaction in `ingestEvents`. Default 250 000: DuckDB spreads a bulk insert over its threads one
   * row group (122 880 rows) each, so batches of 8 192 ran at a third of the speed (73 k vs 200 k events/s on the
   * 2-core VM of `docs/benchmarks.md`); the price is two reused staging arenas of ~80 MB each.
   */
  readonly bulkChunkSize?: number;
  /** Load feature vectors of earlier runs at startup. Default true. */
  readonly warmFeatures?: boolean;
}

/** Thrown when `completeConfig` is asked to mark a configuration whose iterations are not all stored. */
export class IncompleteConfigurationError extends Error {
  override name = "IncompleteConfigurationError";
}

/** Thrown when a configuration decided early is not settled: the iterations it did not run could change its verdict. */
export class UnsettledConfigurationError extends Error {
  override name = "UnsettledConfigurationError";
}

/** Builds the engine over any store. */
export function createMemoryEngine(options: MemoryEngineOptions): MemoryEngine {
  return new StoreBackedMemoryEngine(options);
}

/** An engine over a fresh {@link InMemoryMemoryStore} (tests, or runs that must not write files). */
export function createInMemoryMemoryEngine(
  options: Omit<MemoryEngineOptions, "store"> & { readonly store?: InMemoryMemoryStore },
): MemoryEngine {
  return new StoreBackedMemoryEngine({ ...options, store: options.store ?? new InMemoryMemoryStore() });
}

class StoreBackedMemoryEngine implements MemoryEngine {
  private readonly store: MemoryStore;
  private readonly session: RunSession;
  private readonly policy: PolicyUpdater | undefined;
  private readonly clock: Clock;
  private readonly writeBatchSize: number;
  private readonly bulkChunkSize: number;
  private readonly warmFeatures: boolean;
  private readonly cache = new HotCache();
  /** Payload layouts seen by bulk ingest (ids are content hashes, so they agree with any store's). */
  private readonly layouts = new PayloadLayouts();
  /** Reused staging buffers of bulk ingest (see `ingestChunks`). */
  private readonly arenas = [new StagingArena(), new StagingArena()] as const;
  /** Serialises `ingestEvents` calls. */
  private bulkQueue: Promise<unknown> = Promise.resolve();
  private pendingEvents: ExecutionEvent[] = [];
  private pendingUpdates: PolicyUpdateRecord[] = [];
  /** Events waiting for the next micro-batch update. */
  private policyBuffer: ExecutionEvent[] = [];
  private lastPolicyUpdate = 0;
  private state: "new" | "open" | "closed" = "new";

  constructor(options: MemoryEngineOptions) {
    this.store = options.store;
    this.session = options.session;
    this.policy = options.policy;
    this.clock = options.clock ?? systemClock;
    this.writeBatchSize = positiveInt(options.writeBatchSize ?? 1, "writeBatchSize");
    this.bulkChunkSize = positiveInt(options.bulkChunkSize ?? 250_000, "bulkChunkSize");
    this.warmFeatures = options.warmFeatures ?? true;
    positiveInt(this.session.batchSizeN, "session.batchSizeN");
    if (!(this.session.batchWindowS > 0)) throw new RangeError("session.batchWindowS must be > 0");
    const unit: unknown = this.session.latencyUnit;
    if (unit !== null && unit !== "ns" && unit !== "ms") {
      throw new RangeError(`session.latencyUnit must be "ns", "ms" or null, got ${JSON.stringify(unit)}`);
    }
  }

  async startup(): Promise<void> {
    if (this.state !== "new") throw new Error(`memory engine cannot start: it is ${this.state}`);
    await this.store.open();
    this.state = "open";
    await this.store.beginSession(this.session);
    for (const v of await this.store.loadVerdicts(this.session.campaignId)) this.cache.markDone(v);
    if (this.warmFeatures) {
      for (const row of await this.store.loadResultRows(this.session.campaignId)) {
        this.cache.addResultRow(row.configId, row.resultRow);
      }
    }
    this.lastPolicyUpdate = this.clock();
  }

  isSeen(configId: string): boolean {
    return this.cache.isDone(configId);
  }

  async ingestEvent(event: ExecutionEvent): Promise<void> {
    this.assertOpen();
    this.assertSameCampaign(event);
    validateEvent(event);
    this.pendingEvents.push(event);
    this.noteInCache(event);
    try {
      await this.updatePolicy([event]);
    } finally {
      // The event is written even when the policy throws: the measurement must not be lost to a policy bug.
      if (this.pendingEvents.length >= this.writeBatchSize) await this.flush();
    }
  }

  async ingestEvents(events: readonly ExecutionEvent[]): Promise<void> {
    this.assertOpen();
    for (const e of events) {
      this.assertSameCampaign(e);
      validateEvent(e);
    }
    // One bulk ingest at a time: they share the staging arenas.
    const run = this.bulkQueue.then(() => this.ingestChunks(events));
    this.bulkQueue = run.catch(() => undefined);
    await run;
  }

  /**
   * Pipelined: chunk k+1 is staged (typed columns, read once for both the store and the hot cache) while chunk
   * k's transaction runs in DuckDB's threads. At most two writes are in flight, so two staging arenas suffice:
   * chunk k+2 is staged into chunk k's arena only after chunk k's write has settled. Each chunk is its own
   * transaction, and the store commits them in order.
   *
   * A chunk is handed to the store before the hot cache and the policy hear of it, so both run while DuckDB writes
   * it, and a policy that throws cannot keep it from being written. The cache is updated before the policy (which
   * may read feature vectors); the policy's update records go with the next chunk's transaction, and the last
   * ones are flushed before the call returns.
   */
  private async ingestChunks(events: readonly ExecutionEvent[]): Promise<void> {
    await this.flush();
    let inFlight: Promise<void> | undefined;
    let firstError: unknown;
    const settle = async (): Promise<void> => {
      try {
        await inFlight;
      } catch (error) {
        firstError ??= error;
      } finally {
        inFlight = undefined;
      }
    };
    try {
      for (let i = 0, k = 0; i < events.length && firstError === undefined; i += this.bulkChunkSize, k++) {
        const chunk = events.slice(i, i + this.bulkChunkSize);
        const staged = stageEvents(chunk, this.layouts, this.arenas[k % 2]);
        const write = this.writeNow(chunk, staged);
        write.catch(() => undefined); // its error is taken by `settle`; this only keeps it from counting as unhandled
        // Let the store copy the chunk into DuckDB (its appender runs on this thread) and start the transaction.
        await new Promise<void>((resolve) => setImmediate(resolve));
        this.cache.addStaged(staged);
        try {
          await this.updatePolicy(chunk);
        } catch (error) {
          firstError ??= error;
        }
        await settle();
        inFlight = write;
      }
    } finally {
      await settle();
    }
    if (firstError !== undefined) throw firstError;
    await this.flush(); // the last chunk's policy update records
  }

  async completeConfig(completion: ConfigCompletion): Promise<ConfigVerdict> {
    this.assertOpen();
    const { config, iterations } = completion;
    positiveInt(iterations, "iterations");
    if (!Number.isInteger(completion.overloadCount) || completion.overloadCount < 0) {
      throw new RangeError(`overloadCount must be an integer >= 0, got ${completion.overloadCount}`);
    }
    const judged = completion.judged ?? iterations;
    positiveInt(judged, "judged");
    if (judged > iterations) throw new RangeError(`judged must be <= iterations (${iterations}), got ${judged}`);
    if (judged < iterations && settledConfigVerdict(completion.overloadCount, judged, iterations) !== completion.overloaded) {
      throw new UnsettledConfigurationError(
        `configuration ${config.id} cannot be decided after ${judged} of ${iterations} iterations with ${completion.overloadCount} overloaded: ` +
          `the iterations left could still change the verdict`,
      );
    }
    await this.flush();
    const executed = await this.store.executedIterations(this.session.campaignId, config.id);
    const missing: number[] = [];
    for (let k = 1; k <= judged; k++) if (!executed.has(k)) missing.push(k);
    if (missing.length > 0) {
      throw new IncompleteConfigurationError(
        `configuration ${config.id} cannot be marked done: no executed event for iteration(s) ${missing.join(", ")} ` +
          `of ${iterations} in campaign ${this.session.campaignId}`,
      );
    }
    const verdict: ConfigVerdict = {
      config,
      iterations,
      overloadCount: completion.overloadCount,
      overloaded: completion.overloaded,
      campaignId: this.session.campaignId,
      runId: this.session.runId,
      decidedAt: this.clock(),
    };
    await this.store.write({ events: [], policyUpdates: [], verdicts: [verdict] });
    this.cache.markDone(verdict);
    return verdict;
  }

  verdicts(): readonly ConfigVerdict[] {
    return this.cache.verdicts();
  }

  async eventsOf(configId: string): Promise<readonly ExecutionEvent[]> {
    this.assertOpen();
    await this.flush();
    return this.store.loadEvents(this.session.campaignId, configId);
  }

  async campaignEvents(statuses?: readonly EventStatus[]): Promise<readonly ExecutionEvent[]> {
    this.assertOpen();
    await this.flush();
    return this.store.loadCampaignEvents(this.session.campaignId, statuses);
  }

  featureVector(configId: string): Float64Array | undefined {
    return this.cache.featureVector(configId);
  }

  featureNames(): readonly string[] {
    return this.cache.featureNames();
  }

  async flush(): Promise<void> {
    if (this.pendingEvents.length === 0 && this.pendingUpdates.length === 0) return;
    const events = this.pendingEvents;
    this.pendingEvents = [];
    await this.writeNow(events);
  }

  async checkpoint(): Promise<void> {
    this.assertOpen();
    try {
      if (this.policy && this.session.mode === "micro_batch" && this.policyBuffer.length > 0) {
        await this.runBatchUpdate();
      }
    } finally {
      await this.flush();
      await this.store.checkpoint();
    }
  }

  async exportParquet(): Promise<ParquetExportReport> {
    this.assertOpen();
    await this.flush();
    return this.store.exportParquet();
  }

  async finishSession(status: SessionStatus): Promise<void> {
    this.assertOpen();
    await this.flush();
    await this.store.endSession(this.session.runId, status, this.clock());
  }

  async close(): Promise<void> {
    if (this.state !== "open") {
      this.state = "closed";
      return;
    }
    try {
      await this.flush();
    } finally {
      this.state = "closed";
      await this.store.close();
    }
  }

  /** Writes events plus any pending policy-update rows in one transaction. */
  private async writeNow(events: readonly ExecutionEvent[], staged?: StagedEvents): Promise<void> {
    const policyUpdates = this.pendingUpdates;
    this.pendingUpdates = [];
    try {
      await this.store.write({ events, policyUpdates, verdicts: [], staged });
    } catch (error) {
      // Keep what failed so a later flush (e.g. the checkpoint in `finally`) can retry it.
      this.pendingEvents = [...events, ...this.pendingEvents];
      this.pendingUpdates = [...policyUpdates, ...this.pendingUpdates];
      throw error;
    }
  }

  private noteInCache(e: ExecutionEvent): void {
    if (e.status === "executed" && e.resultRow !== null) this.cache.addResultRow(e.config.id, e.resultRow);
  }

  private async updatePolicy(events: readonly ExecutionEvent[]): Promise<void> {
    if (!this.policy || events.length === 0) return;
    if (this.session.mode === "online") {
      for (const e of events) this.record(await this.policy.updateOnline(e), 1);
      return;
    }
    for (const e of events) {
      this.policyBuffer.push(e);
      const windowOver = this.clock() - this.lastPolicyUpdate >= this.session.batchWindowS;
      if (this.policyBuffer.length >= this.session.batchSizeN || windowOver) await this.runBatchUpdate();
    }
  }

  private async runBatchUpdate(): Promise<void> {
    const batch = this.policyBuffer;
    this.policyBuffer = [];
    this.lastPolicyUpdate = this.clock();
    if (this.policy) this.record(await this.policy.updateBatch(batch), batch.length);
  }

  private record(result: PolicyUpdateResult | void, recordsSeen: number): void {
    this.pendingUpdates.push({
      updateId: randomUUID(),
      runId: this.session.runId,
      mode: this.session.mode,
      recordsSeen,
      score: finiteOrNull(result?.score),
      loss: finiteOrNull(result?.loss),
      ts: this.clock(),
    });
  }

  private assertOpen(): void {
    if (this.state !== "open") throw new Error(`memory engine is ${this.state === "new" ? "not started" : "closed"}`);
  }

  private assertSameCampaign(e: ExecutionEvent): void {
    if (e.campaignId !== this.session.campaignId) {
      throw new Error(`event of campaign '${e.campaignId}' sent to the memory of campaign '${this.session.campaignId}'`);
    }
  }
}

function positiveInt(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be an integer >= 1, got ${value}`);
  return value;
}

function finiteOrNull(v: number | undefined): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/**
 * Runs `fn` and checkpoints the memory on every exit path — done, failed (throw) or stopped (a stop is either a
 * return value or an error; both pass through here) — then exports Parquet when the engine is configured to.
 * A checkpoint failure after a successful `fn` is thrown; after a failed `fn` both errors are thrown together.
 */
export async function withCheckpoint<T>(
  engine: Pick<MemoryEngine, "checkpoint"> & Partial<Pick<MemoryEngine, "exportParquet">>,
  fn: () => Promise<T>,
): Promise<T> {
  let result: T;
  try {
    result = await fn();
  } catch (error) {
    try {
      await persist(engine);
    } catch (checkpointError) {
      throw new AggregateError([error, checkpointError], "run failed and the memory checkpoint failed too", {
        cause: error,
      });
    }
    throw error;
  }
  await persist(engine);
  return result;
}

async function persist(
  engine: Pick<MemoryEngine, "checkpoint"> & Partial<Pick<MemoryEngine, "exportParquet">>,
): Promise<void> {
  const errors: unknown[] = [];
  try {
    await engine.checkpoint();
  } catch (error) {
    errors.push(error);
  }
  // Export even when the checkpoint failed: the Parquet copy may be all that survives.
  try {
    if (engine.exportParquet) await engine.exportParquet();
  } catch (error) {
    errors.push(error);
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, "memory checkpoint and Parquet export both failed");
}
