/**
 * Typed column buffers and their transfer into DuckDB data chunks.
 *
 * Why not `DuckDBDataChunk.setColumns`: it takes one JS value per cell (and a `DuckDBListValue` object per list
 * cell), which costs several microseconds per event on bulk ingest. Here numeric columns live in typed arrays and
 * are copied into the chunk's vectors with one native call per vector; only VARCHAR cells cost a call each, and
 * the staging layout keeps those to the rare columns (raw load-generator report documents).
 */
import bindings, { type Vector } from "@duckdb/node-bindings";
import { DuckDBDataChunk, type DuckDBAppender, type DuckDBType, type DuckDBValue } from "@duckdb/node-api";

// Validity words and list entries below are written as uint32 halves of DuckDB's uint64s: little-endian only.
if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) throw new Error("peva-faas memory: big-endian hosts are not supported");

/** Rows per data chunk: DuckDB's vector size, the unit the appender works in. */
export const CHUNK_ROWS = 2048;

/** A column of a staged batch, in the shape its DuckDB type needs. */
export type StagedColumn =
  | { readonly kind: "int32"; readonly values: Int32Array<ArrayBuffer>; readonly nulls?: Uint8Array | undefined }
  | { readonly kind: "int64"; readonly values: BigInt64Array<ArrayBuffer> }
  | { readonly kind: "double"; readonly values: Float64Array<ArrayBuffer> }
  | { readonly kind: "varchar"; readonly values: readonly (string | null)[] }
  /** A list column: row `i` holds `values[offsets[i] .. offsets[i + 1])`; `nulls[i] = 1` makes it NULL. */
  | {
      readonly kind: "list-double" | "list-int32";
      readonly offsets: Uint32Array<ArrayBuffer>;
      readonly values: Float64Array<ArrayBuffer> | Int32Array<ArrayBuffer>;
      readonly nulls?: Uint8Array | undefined;
    };

/**
 * Builds the data chunks for rows `[0, rowCount)` of `columns` (in the table's column order) and hands each to
 * `append`. Column kinds must match `types` (checked once per call, not per row).
 */
export function forEachChunk(
  types: readonly DuckDBType[],
  columns: readonly StagedColumn[],
  rowCount: number,
  append: (chunk: DuckDBDataChunk) => void,
): void {
  if (columns.length !== types.length) {
    throw new Error(`staged ${columns.length} columns for a table of ${types.length}`);
  }
  for (let start = 0; start < rowCount; start += CHUNK_ROWS) {
    const n = Math.min(CHUNK_ROWS, rowCount - start);
    const chunk = DuckDBDataChunk.create(types, n);
    for (let c = 0; c < columns.length; c++) {
      writeColumn(bindings.data_chunk_get_vector(chunk.chunk, c), columns[c]!, start, n);
    }
    append(chunk);
  }
}

/**
 * Appends rows of JS values (one `DuckDBValue` per cell, converted by node-api) in data chunks, then flushes. For
 * the small staging tables; event batches go through {@link forEachChunk}.
 */
export function appendValueRows(appender: DuckDBAppender, types: readonly DuckDBType[], rows: readonly DuckDBValue[][]): void {
  for (let start = 0; start < rows.length; start += CHUNK_ROWS) {
    const n = Math.min(CHUNK_ROWS, rows.length - start);
    const columns: DuckDBValue[][] = Array.from({ length: types.length }, () => new Array<DuckDBValue>(n));
    for (let i = 0; i < n; i++) {
      const row = rows[start + i]!;
      for (let c = 0; c < types.length; c++) columns[c]![i] = row[c]!;
    }
    const chunk = DuckDBDataChunk.create(types, n);
    chunk.setColumns(columns);
    appender.appendDataChunk(chunk);
  }
  appender.flushSync();
}

function writeColumn(vector: Vector, column: StagedColumn, start: number, n: number): void {
  switch (column.kind) {
    case "int32":
      copyTyped(vector, column.values, start, n);
      if (column.nulls) writeNulls(vector, column.nulls, start, n);
      return;
    case "int64":
    case "double":
      copyTyped(vector, column.values, start, n);
      return;
    case "varchar": {
      let nulls: Uint8Array | undefined;
      for (let i = 0; i < n; i++) {
        const v = column.values[start + i];
        if (v === null || v === undefined) (nulls ??= new Uint8Array(n))[i] = 1;
        else bindings.vector_assign_string_element(vector, i, v);
      }
      if (nulls) writeNulls(vector, nulls, 0, n);
      return;
    }
    case "list-double":
    case "list-int32":
      writeList(vector, column, start, n);
      return;
  }
}

function copyTyped(vector: Vector, values: Int32Array<ArrayBuffer> | BigInt64Array<ArrayBuffer> | Float64Array<ArrayBuffer>, start: number, n: number): void {
  const bytes = values.BYTES_PER_ELEMENT;
  bindings.copy_data_to_vector(vector, 0, values.buffer, values.byteOffset + start * bytes, n * bytes);
}

/** Clears the validity bit of every row `i` in `[0, n)` with `nulls[from + i] = 1`. */
function writeNulls(vector: Vector, nulls: Uint8Array, from: number, n: number): void {
  let any = false;
  for (let i = 0; i < n && !any; i++) any = nulls[from + i] === 1;
  if (!any) return;
  // DuckDB's validity mask is uint64 words, bit i = row i; on a little-endian host that is uint32 word i >> 5,
  // bit i & 31 (plain number bit operations: a BigInt per row costs more than the rest of the row).
  const words = new Uint32Array(2 * Math.ceil(n / 64)).fill(0xffffffff);
  for (let i = 0; i < n; i++) {
    if (nulls[from + i] === 1) words[i >>> 5]! &= ~(1 << (i & 31));
  }
  bindings.vector_ensure_validity_writable(vector);
  bindings.copy_data_to_vector_validity(vector, 0, words.buffer, 0, words.byteLength);
}

/** Entries (offset, length as uint64 pairs) of the rows, then the child values in one copy. */
function writeList(
  vector: Vector,
  column: Extract<StagedColumn, { offsets: Uint32Array }>,
  start: number,
  n: number,
): void {
  const base = column.offsets[start]!;
  const total = column.offsets[start + n]! - base;
  // duckdb_list_entry is two uint64 (offset, length); written as uint32 pairs (little-endian, high words 0)
  // because a BigInt per entry costs more than the rest of the row.
  const entries = new Uint32Array(n * 4);
  for (let i = 0; i < n; i++) {
    entries[4 * i] = column.offsets[start + i]! - base;
    entries[4 * i + 2] = column.offsets[start + i + 1]! - column.offsets[start + i]!;
  }
  bindings.copy_data_to_vector(vector, 0, entries.buffer, 0, entries.byteLength);
  bindings.list_vector_reserve(vector, total);
  bindings.list_vector_set_size(vector, total);
  if (total > 0) {
    const child = bindings.list_vector_get_child(vector);
    const bytes = column.values.BYTES_PER_ELEMENT;
    bindings.copy_data_to_vector(child, 0, column.values.buffer, column.values.byteOffset + base * bytes, total * bytes);
  }
  if (column.nulls) writeNulls(vector, column.nulls, start, n);
}
