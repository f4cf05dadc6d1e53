/** Contract of `memory` plugins: what campaigns learned (DuckDB by default), so a resumed campaign skips done work. */
import { Plugin } from "./plugin.ts";

/** Outcome of one configuration. */
export type RunStatus = "ok" | "overloaded" | "failed" | "skipped";

/** One recorded configuration result. */
export interface RunRecord {
  readonly runId: string;
  readonly configId: string;
  readonly status: RunStatus;
  readonly metrics: Readonly<Record<string, number | null>>;
}

/** The campaign memory. */
export abstract class MemoryPlugin<TConfig = unknown> extends Plugin<TConfig> {
  readonly type = "memory" as const;
  /** True when the configuration was already run (in any earlier run). */
  abstract has(configId: string): Promise<boolean>;
  /** Stores a result. */
  abstract record(record: RunRecord): Promise<void>;
  /** Makes everything recorded so far durable. */
  abstract checkpoint(): Promise<void>;
}
