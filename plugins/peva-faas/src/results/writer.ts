/**
 * Incremental CSV writers (edge module: file I/O). Each row is appended and fsync'ed, so a crash loses at most
 * the row being written. Re-opening an existing file checks its header, so a resumed run cannot mix layouts.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { INDEX_HEADER, RESULTS_LONG_HEADER, resultsHeader, skippedHeader } from "./columns.ts";
import { csvLine, parseCsvLine } from "./csv.ts";

/** An append-only CSV file with a fixed header. */
export class CsvAppender {
  readonly path: string;
  readonly header: readonly string[];
  readonly delimiter: string;
  #fd: number | undefined;

  /**
   * Opens (creating directories) and writes the header when the file is new or empty.
   * @throws Error when an existing file has a different header.
   */
  constructor(path: string, header: readonly string[], delimiter = ",") {
    this.path = path;
    this.header = header;
    this.delimiter = delimiter;
    mkdirSync(dirname(path), { recursive: true });
    const existing = existsSync(path) ? readFileSync(path, "utf8") : "";
    this.#fd = openSync(path, "a");
    if (existing.length === 0) {
      this.#write(header);
    } else {
      const first = existing.split("\n", 1)[0]!.replace(/\r$/, "");
      const found = parseCsvLine(first, delimiter);
      if (found.join("\u0000") !== header.join("\u0000")) {
        this.close();
        throw new Error(`${path}: existing header does not match (found ${found.length} columns: ${first.slice(0, 200)})`);
      }
    }
  }

  /** Appends one row and fsyncs. */
  append(row: readonly string[]): void {
    if (row.length !== this.header.length) {
      throw new Error(`${this.path}: row has ${row.length} fields, header has ${this.header.length}`);
    }
    this.#write(row);
  }

  /** Appends several rows with one fsync. */
  appendAll(rows: readonly (readonly string[])[]): void {
    if (rows.length === 0) return;
    for (const r of rows) {
      if (r.length !== this.header.length) {
        throw new Error(`${this.path}: row has ${r.length} fields, header has ${this.header.length}`);
      }
    }
    this.#writeText(rows.map((r) => `${csvLine(r, this.delimiter)}\n`).join(""));
  }

  /** Closes the file (idempotent). */
  close(): void {
    if (this.#fd !== undefined) {
      closeSync(this.#fd);
      this.#fd = undefined;
    }
  }

  #write(fields: readonly string[]): void {
    this.#writeText(`${csvLine(fields, this.delimiter)}\n`);
  }

  #writeText(text: string): void {
    if (this.#fd === undefined) throw new Error(`${this.path}: writer is closed`);
    writeSync(this.#fd, text);
    fsyncSync(this.#fd);
  }
}

/** `results.csv` writer for the campaign's configured functions. */
export function openResultsCsv(path: string, allFunctions: readonly string[]): CsvAppender {
  return new CsvAppender(path, resultsHeader(allFunctions));
}

/** `skipped.csv` writer. */
export function openSkippedCsv(path: string, allFunctions: readonly string[]): CsvAppender {
  return new CsvAppender(path, skippedHeader(allFunctions));
}

/** `results_long.csv` writer. */
export function openResultsLongCsv(path: string): CsvAppender {
  return new CsvAppender(path, RESULTS_LONG_HEADER);
}

/** `index.csv` writer (`;`-delimited) that skips rows already present (deduplicated, also across re-opens). */
export class IndexCsvWriter {
  readonly #csv: CsvAppender;
  readonly #seen = new Set<string>();

  constructor(path: string) {
    this.#csv = new CsvAppender(path, INDEX_HEADER, ";");
    const lines = readFileSync(path, "utf8").split("\n").slice(1);
    for (const l of lines) if (l.trim() !== "") this.#seen.add(parseCsvLine(l.replace(/\r$/, ""), ";").join("\u0000"));
  }

  /** Appends the row unless an identical one exists. Returns whether it was written. */
  append(row: readonly string[]): boolean {
    const key = row.join("\u0000");
    if (this.#seen.has(key)) return false;
    this.#csv.append(row);
    this.#seen.add(key);
    return true;
  }

  /** Keys (`functions;rates`) already indexed. */
  has(row: readonly string[]): boolean {
    return this.#seen.has(row.join("\u0000"));
  }

  close(): void {
    this.#csv.close();
  }
}
