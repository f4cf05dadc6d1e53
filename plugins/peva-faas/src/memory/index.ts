/** Public API of the campaign memory (reference §11): contracts, config, engine, stores. */
export type {
  ConfigCompletion,
  ConfigVerdict,
  EventStatus,
  ExecutionEvent,
  LoadReport,
  MemoryEngine,
  MemoryStore,
  ParquetExportReport,
  PolicyUpdateRecord,
  PolicyUpdateResult,
  PolicyUpdater,
  RunSession,
  SelectionMode,
  SessionStatus,
  SkipReason,
  StoredResultRow,
  WriteBatch,
} from "./contracts.ts";
export { SKIP_REASONS } from "./contracts.ts";
export {
  DEFAULT_MEMORY_DB_PATH,
  MEMORY_SCHEMA_VERSION,
  hasParentSegment,
  memoryConfigSchema,
  memorySectionSchema,
  resolveMemoryPaths,
  type MemoryConfig,
  type ResolvedMemoryPaths,
} from "./config.ts";
export {
  InvalidEventError,
  dedupeEvents,
  eventDuration,
  eventKey,
  skipEvent,
  validateEvent,
  type SkipEventInput,
} from "./events.ts";
export { HotCache } from "./hot-cache.ts";
export { InMemoryMemoryStore, type StoredSession } from "./in-memory-store.ts";
export {
  IncompleteConfigurationError,
  UnsettledConfigurationError,
  createInMemoryMemoryEngine,
  createMemoryEngine,
  systemClock,
  withCheckpoint,
  type Clock,
  type MemoryEngineOptions,
} from "./engine.ts";
export {
  DuckDbMemoryStore,
  PreloadError,
  SchemaVersionMismatchError,
  type DuckDbStoreOptions,
} from "./duckdb-store.ts";
export { CORE_TABLES, DEBUG_TABLES, type MemoryTable } from "./sql.ts";
export {
  MigrationError,
  V1_GENERATOR,
  V1_REPORT_FORMAT,
  formatMigrationReport,
  memoryCommand,
  migrateMemory,
  type CommandIo,
  type MigrationReport,
  type TableRowCount,
} from "./migrate.ts";
export { MIGRATABLE_SCHEMA_VERSION, migrateCommandLine } from "./schema-versions.ts";
export { createConfiguredMemoryEngine, type ConfiguredMemoryOptions } from "./open.ts";
