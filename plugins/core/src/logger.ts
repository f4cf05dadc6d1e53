/** The framework's structured logger: dotted event names (`discover.manifest_invalid`) plus fields. */

/** Log levels the framework uses. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** A structured log sink; inject one to collect or silence the framework's logs. */
export interface Logger {
  log(level: LogLevel, event: string, fields?: Readonly<Record<string, unknown>>): void;
}

/** Writes `warn` and `error` events to stderr as JSON lines; drops the rest. */
export const stderrLogger: Logger = {
  log(level, event, fields = {}) {
    if (level !== "warn" && level !== "error") return;
    process.stderr.write(`${JSON.stringify({ level, event, ...fields })}\n`);
  },
};

/** Drops everything. */
export const silentLogger: Logger = { log() {} };

/** One record kept by a {@link MemoryLogger}. */
export interface LogRecord {
  readonly level: LogLevel;
  readonly event: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** Keeps every record in memory (for tests and for the CLI, which prints them itself). */
export class MemoryLogger implements Logger {
  readonly records: LogRecord[] = [];
  log(level: LogLevel, event: string, fields: Readonly<Record<string, unknown>> = {}): void {
    this.records.push({ level, event, fields });
  }
}
