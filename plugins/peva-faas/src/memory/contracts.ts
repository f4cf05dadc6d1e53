/**
 * Contracts of the campaign memory (reference §11), written so the executor, the schedulers and the policies
 * depend on these interfaces and never on DuckDB. Types plus one constant; no I/O.
 */
import type { StagedEvents } from "./event-staging.ts";
import type { Configuration } from "../model.ts";

/** What happened to one (configuration, iteration) in one run. */
export type EventStatus = "executed" | "skipped" | "failed" | "stopped" | "contended" | "not_needed";

/**
 * Why a configuration was not executed. `already_in_memory`: a previous run finished it (defect 5: recorded, not
 * dropped). `dominated_by_overload`: ≥ a known overload on every rate (§4.7). `below_known_success`: ≤ a known
 * non-overloaded configuration on every rate, so monotonicity already says it does not overload (frontier search).
 */
export type SkipReason = "already_in_memory" | "dominated_by_overload" | "below_known_success";

/** The skip reasons the schedulers emit, in a stable order (for docs, CSV headers and tests). */
export const SKIP_REASONS: readonly SkipReason[] = ["already_in_memory", "dominated_by_overload", "below_known_success"];

/**
 * One ingested record: an executed, failed or stopped iteration, or a skip decision.
 *
 * Key: `(config.id, iteration, repetition, runId)` — ingesting the same key twice keeps one row. The one exception
 * is an upgrade: an `executed` event replaces a stored `failed`/`stopped`/`skipped` one with the same key (a run
 * resumed under the same run id re-executes the iteration it was stopped in; the success must not be dropped).
 */
export interface ExecutionEvent {
  /** The campaign this event belongs to; "done" and verdicts are scoped by it (defect 11). */
  readonly campaignId: string;
  /** The run (one `peva-faas run` process or resumed run) that produced the event. */
  readonly runId: string;
  readonly config: Configuration;
  /** 1-based iteration; 0 for configuration-level records such as skips. */
  readonly iteration: number;
  /** 1-based repetition of the whole workload. */
  readonly repetition: number;
  /** Wall clock around the load generator's run, epoch seconds (equal for skips). */
  readonly startTs: number;
  readonly endTs: number;
  readonly status: EventStatus;
  /**
   * `null` for `executed`; otherwise why: a {@link SkipReason} for skips, a short error text for `failed`,
   * `stopped` (or a detail) for `stopped`, `contended` for an iteration other work on the node starved of CPU (stored
   * with its figures in `metrics`, never judged; a successful re-run replaces it), and for `not_needed` (an
   * iteration a configuration decided early did not run) the decision, e.g. `decided_early: 2 of 3 overloaded`.
   */
  readonly skipReason: string | null;
  /** The results.csv row of this iteration (numbers and strings; NaN allowed), or `null` when not executed. */
  readonly resultRow: Readonly<Record<string, number | string>> | null;
  /** Raw Prometheus values of this iteration (NaN allowed), or `null`. */
  readonly metrics: Readonly<Record<string, number>> | null;
  /**
   * The load generator's raw report of this iteration, or `null` (skips, or no report was produced). Stored in the
   * debug table `loadgen_raw_reports`, one row per event key, with the generator named.
   */
  readonly loadReport: LoadReport | null;
}

/**
 * A load generator's raw report of one iteration, kept as the generator wrote it (debugging, re-analysis).
 * Whatever the generator, it is stored with its name and format, so a reader knows how to interpret `document`.
 */
export interface LoadReport {
  /** The generator and its version as the load-generator plugin names it, e.g. `"vegeta v12.13.0"`, `"k6 v1.3.0"`. */
  readonly generator: string;
  /**
   * The document's format (and format version), e.g. `"vegeta-report-json/v12"`, `"k6-summary/v1"`: what a reader
   * dispatches on, independent of the generator's release.
   */
  readonly format: string;
  /** The report as parsed JSON (any JSON value; stored with `JSON.stringify`, read back with `JSON.parse`). */
  readonly document: unknown;
}

/** The executor's claim that a configuration is decided, with the overload decision. */
export interface ConfigCompletion {
  readonly config: Configuration;
  /** K: iterations per configuration (the verdict is a strict majority of K). */
  readonly iterations: number;
  /**
   * How many iterations were judged: iterations 1..judged must have an `executed` event in this campaign. `K` (the
   * default) unless the configuration was decided early, which the engine accepts only when the iterations left
   * could not change the verdict.
   */
  readonly judged?: number;
  /** Iterations in which the node was overloaded. */
  readonly overloadCount: number;
  /** The configuration verdict (strict majority upstream, §10.1); decided by the overload module, stored as is. */
  readonly overloaded: boolean;
}

/** A stored verdict: the configuration is DONE in its campaign (defect 11) and its overload outcome is known. */
export interface ConfigVerdict extends ConfigCompletion {
  readonly campaignId: string;
  /** The run that completed the configuration. */
  readonly runId: string;
  /** Epoch seconds. */
  readonly decidedAt: number;
}

/** How policy updates are triggered (reference §11.4). */
export type SelectionMode = "online" | "micro_batch";

/** Final state of a run session as stored in `run_sessions.status`. */
export type SessionStatus = "running" | "done" | "incomplete" | "failed" | "stopped";

/** The `run_sessions` row of the current process. */
export interface RunSession {
  readonly runId: string;
  readonly campaignId: string;
  /** Epoch seconds. */
  readonly startedAt: number;
  readonly mode: SelectionMode;
  readonly batchSizeN: number;
  readonly batchWindowS: number;
  /** Hash of the effective workload configuration, to tell runs of differently configured campaigns apart. */
  readonly configHash: string;
  readonly gitRev: string | null;
  /**
   * The load generator of the run and its version as the load-generator plugin names it (the same text as
   * {@link LoadReport.generator}), e.g. `"vegeta v12.13.0"`; `null` when unknown (sessions migrated from
   * `peva_faas_mem_v1` have `null`).
   */
  readonly loadgen: string | null;
  /**
   * Unit of the latency values this session stored in the memory (`medium_latency_function_*` and the other
   * `*_latency_function_*` keys): `"ns"` for every session of this schema (whatever unit results.csv used, which
   * `run.json` records), `"ms"` for sessions migrated from `peva_faas_mem_v1`, which stored milliseconds.
   */
  readonly latencyUnit: "ns" | "ms" | null;
}

/** What a policy may return from an update; both values end up in `policy_updates`. */
export interface PolicyUpdateResult {
  readonly score?: number;
  readonly loss?: number;
}

/** The update half of a policy; the memory engine drives it (the choosing half lives in scheduling). */
export interface PolicyUpdater {
  /** Called after every ingested event in `online` mode. */
  updateOnline(event: ExecutionEvent): PolicyUpdateResult | void | Promise<PolicyUpdateResult | void>;
  /** Called with the buffered events in `micro_batch` mode (every N events, T seconds, and at checkpoint). */
  updateBatch(events: readonly ExecutionEvent[]): PolicyUpdateResult | void | Promise<PolicyUpdateResult | void>;
}

/** One `policy_updates` row. */
export interface PolicyUpdateRecord {
  readonly updateId: string;
  readonly runId: string;
  readonly mode: SelectionMode;
  readonly recordsSeen: number;
  readonly score: number | null;
  readonly loss: number | null;
  /** Epoch seconds. */
  readonly ts: number;
}

/** Where each Parquet table was written (absolute paths), per table name. */
export interface ParquetExportReport {
  readonly core: Readonly<Record<string, string>>;
  readonly debug: Readonly<Record<string, string>>;
}

/** Everything a write transaction may carry; a store applies it atomically and idempotently. */
export interface WriteBatch {
  readonly events: readonly ExecutionEvent[];
  readonly policyUpdates: readonly PolicyUpdateRecord[];
  readonly verdicts: readonly ConfigVerdict[];
  /**
   * The same `events` as typed columns (`stageEvents`), when the caller made them already (bulk ingest does, for
   * the hot cache): a store may use them instead of reading the event objects again.
   */
  readonly staged?: StagedEvents | undefined;
}

/** A stored executed iteration's result row, for warming the feature cache. */
export interface StoredResultRow {
  readonly configId: string;
  readonly resultRow: Readonly<Record<string, number | string>>;
}

/**
 * Persistence behind a {@link MemoryEngine}: DuckDB in production, a Map-backed store in tests. Every method is
 * campaign-aware where "done" matters; every write is one transaction.
 */
export interface MemoryStore {
  /** Opens the store: checks the schema version (refuses a mismatch), creates tables, runs the Parquet preload. */
  open(): Promise<void>;
  /** Inserts (or, for a resumed run id, re-opens) the `run_sessions` row. */
  beginSession(session: RunSession): Promise<void>;
  endSession(runId: string, status: SessionStatus, endedAt: number): Promise<void>;
  /** Applies the batch in one transaction; replays are no-ops. */
  write(batch: WriteBatch): Promise<void>;
  /** Verdicts (DONE configurations) of one campaign. */
  loadVerdicts(campaignId: string): Promise<ConfigVerdict[]>;
  /** Every stored event of one configuration in one campaign, all runs, ordered by repetition then iteration. */
  loadEvents(campaignId: string, configId: string): Promise<ExecutionEvent[]>;
  /**
   * Every stored event of a campaign, all runs (optionally only some statuses), ordered by start time: what the
   * result files are derived from, so a resumed run re-emits what earlier runs measured (defect 13).
   */
  loadCampaignEvents(campaignId: string, statuses?: readonly EventStatus[]): Promise<ExecutionEvent[]>;
  /** The distinct iterations with an `executed` event for one configuration in one campaign. */
  executedIterations(campaignId: string, configId: string): Promise<Set<number>>;
  /** Result rows of every executed iteration of a campaign (feature-cache warm-up). */
  loadResultRows(campaignId: string): Promise<StoredResultRow[]>;
  /** Makes every committed write durable in the main file (DuckDB `CHECKPOINT`: WAL folded in). */
  checkpoint(): Promise<void>;
  /** Writes the configured Parquet exports (each directory independently); atomic per file. */
  exportParquet(): Promise<ParquetExportReport>;
  close(): Promise<void>;
}

/**
 * The campaign memory as the executor sees it: persistence + hot cache + policy updates.
 *
 * Life cycle: `startup()` → (`isSeen`, `ingestEvent`, `completeConfig`, `checkpoint`)* → `finishSession` →
 * `close()`. Use {@link withCheckpoint} (in `engine.ts`) around the campaign so a checkpoint happens on every exit.
 */
export interface MemoryEngine {
  /** Opens the store, records the run session, loads verdicts and features into the hot cache. */
  startup(): Promise<void>;
  /** True when the configuration is DONE in this campaign (all iterations, defect 11). O(1). */
  isSeen(configId: string): boolean;
  /** Stores one event (durably once the write batch fills; default: before the promise resolves). */
  ingestEvent(event: ExecutionEvent): Promise<void>;
  /** Stores many events in batched transactions. */
  ingestEvents(events: readonly ExecutionEvent[]): Promise<void>;
  /**
   * Marks a configuration DONE with its verdict; refuses when an iteration 1..judged has no executed event, or when
   * a configuration decided early was not settled.
   */
  completeConfig(completion: ConfigCompletion): Promise<ConfigVerdict>;
  /** Stored verdicts of this campaign (including earlier runs): rebuilds dominance on resume (defect 6). */
  verdicts(): readonly ConfigVerdict[];
  /** Stored events of one configuration (resume of a partially run configuration). */
  eventsOf(configId: string): Promise<readonly ExecutionEvent[]>;
  /** Every stored event of this campaign across runs (the source of results/skipped CSVs, defect 13). */
  campaignEvents(statuses?: readonly EventStatus[]): Promise<readonly ExecutionEvent[]>;
  /** Mean of the numeric result-row values of the configuration's executed iterations, in {@link featureNames} order. */
  featureVector(configId: string): Float64Array | undefined;
  /** Names of the feature-vector positions. */
  featureNames(): readonly string[];
  /** Writes buffered events. */
  flush(): Promise<void>;
  /** Flush + pending micro-batch policy update + DuckDB `CHECKPOINT` (defect 15). */
  checkpoint(): Promise<void>;
  /** Parquet export of the configured directories. */
  exportParquet(): Promise<ParquetExportReport>;
  /** Records the session's end state. */
  finishSession(status: SessionStatus): Promise<void>;
  /** Flushes and closes the store. */
  close(): Promise<void>;
}
