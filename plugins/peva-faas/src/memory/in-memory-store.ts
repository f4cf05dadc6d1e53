/**
 * A Map-backed {@link MemoryStore} with the same semantics as the DuckDB store (idempotent keys, the executed
 * upgrade rule, campaign-scoped verdicts). For unit tests, and as a fallback when no file may be written.
 */
import type {
  ConfigVerdict,
  EventStatus,
  ExecutionEvent,
  MemoryStore,
  ParquetExportReport,
  PolicyUpdateRecord,
  RunSession,
  SessionStatus,
  StoredResultRow,
  WriteBatch,
} from "./contracts.ts";
import { compareEvents, eventKey, keepsNewcomer, validateEvent } from "./events.ts";

/** A stored `run_sessions` row. */
export interface StoredSession extends RunSession {
  readonly endedAt: number | null;
  readonly status: SessionStatus;
}

/** In-process store; `snapshot()` exposes the "tables" for assertions. */
export class InMemoryMemoryStore implements MemoryStore {
  private readonly events = new Map<string, ExecutionEvent>();
  private readonly sessions = new Map<string, StoredSession>();
  private readonly verdictsByKey = new Map<string, ConfigVerdict>();
  private readonly policyUpdates = new Map<string, PolicyUpdateRecord>();
  private readonly catalog = new Set<string>();
  private opened = false;
  /** Counts `checkpoint()` calls, so tests can assert a checkpoint happened on an exit path. */
  checkpoints = 0;

  async open(): Promise<void> {
    this.opened = true;
  }

  async beginSession(session: RunSession): Promise<void> {
    this.assertOpen();
    const previous = this.sessions.get(session.runId);
    this.sessions.set(session.runId, {
      ...session,
      startedAt: previous?.startedAt ?? session.startedAt,
      endedAt: null,
      status: "running",
    });
  }

  async endSession(runId: string, status: SessionStatus, endedAt: number): Promise<void> {
    this.assertOpen();
    const s = this.sessions.get(runId);
    if (s) this.sessions.set(runId, { ...s, status, endedAt });
  }

  async write(batch: WriteBatch): Promise<void> {
    this.assertOpen();
    // Validate everything first so a bad event leaves the store untouched, like a rolled-back transaction.
    for (const e of batch.events) validateEvent(e);
    for (const e of batch.events) {
      const key = eventKey(e);
      const kept = this.events.get(key);
      if (kept === undefined || keepsNewcomer(kept, e)) this.events.set(key, e);
      this.catalog.add(e.config.id);
    }
    for (const u of batch.policyUpdates) if (!this.policyUpdates.has(u.updateId)) this.policyUpdates.set(u.updateId, u);
    for (const v of batch.verdicts) {
      const key = `${v.campaignId}|${v.config.id}`;
      if (!this.verdictsByKey.has(key)) this.verdictsByKey.set(key, v);
    }
  }

  async loadVerdicts(campaignId: string): Promise<ConfigVerdict[]> {
    return [...this.verdictsByKey.values()].filter((v) => v.campaignId === campaignId);
  }

  async loadEvents(campaignId: string, configId: string): Promise<ExecutionEvent[]> {
    return [...this.events.values()]
      .filter((e) => e.campaignId === campaignId && e.config.id === configId)
      .sort(compareEvents);
  }

  async loadCampaignEvents(campaignId: string, statuses?: readonly EventStatus[]): Promise<ExecutionEvent[]> {
    return [...this.events.values()]
      .filter((e) => e.campaignId === campaignId && (statuses === undefined || statuses.includes(e.status)))
      .sort((a, b) => a.startTs - b.startTs || compareEvents(a, b) || (a.config.id < b.config.id ? -1 : 1));
  }

  async executedIterations(campaignId: string, configId: string): Promise<Set<number>> {
    const out = new Set<number>();
    for (const e of this.events.values()) {
      if (e.campaignId === campaignId && e.config.id === configId && e.status === "executed") out.add(e.iteration);
    }
    return out;
  }

  async loadResultRows(campaignId: string): Promise<StoredResultRow[]> {
    const out: StoredResultRow[] = [];
    for (const e of this.events.values()) {
      if (e.campaignId === campaignId && e.status === "executed" && e.resultRow !== null) {
        out.push({ configId: e.config.id, resultRow: e.resultRow });
      }
    }
    return out;
  }

  async checkpoint(): Promise<void> {
    this.assertOpen();
    this.checkpoints++;
  }

  async exportParquet(): Promise<ParquetExportReport> {
    return { core: {}, debug: {} };
  }

  async close(): Promise<void> {
    this.opened = false;
  }

  /** Copies of the stored rows, per table, for assertions. */
  snapshot(): {
    events: ExecutionEvent[];
    sessions: StoredSession[];
    verdicts: ConfigVerdict[];
    policyUpdates: PolicyUpdateRecord[];
    catalog: string[];
  } {
    return {
      events: [...this.events.values()],
      sessions: [...this.sessions.values()],
      verdicts: [...this.verdictsByKey.values()],
      policyUpdates: [...this.policyUpdates.values()],
      catalog: [...this.catalog],
    };
  }

  private assertOpen(): void {
    if (!this.opened) throw new Error("memory store is not open");
  }
}
