/**
 * CSV text helpers and number formatting shared by the result files. Pure.
 */

/** Quotes a field when it contains the delimiter, a quote, CR or LF (minimal quoting, like Python's csv). */
export function csvField(value: string, delimiter = ","): string {
  if (value.includes(delimiter) || value.includes('"') || value.includes("\n") || value.includes("\r")) {
    return `"${value.replace(/"/g, '""')}"`;
  }
  return value;
}

/** One CSV line (without the line terminator). */
export function csvLine(fields: readonly string[], delimiter = ","): string {
  return fields.map((f) => csvField(f, delimiter)).join(delimiter);
}

/** Splits one CSV line (handles quoted fields; no embedded newlines). */
export function parseCsvLine(line: string, delimiter = ","): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          cur += '"';
          i++;
        } else quoted = false;
      } else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === delimiter) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** Python `'%.3f' % v`: 3 decimals, `nan`, `inf`, `-inf`. */
export function formatFloat3(v: number): string {
  if (Number.isNaN(v)) return "nan";
  if (v === Infinity) return "inf";
  if (v === -Infinity) return "-inf";
  return v.toFixed(3);
}

/** A raw float as Python's `str(float)` would print the common cases: `nan`, `inf`, shortest repr otherwise. */
export function formatRawFloat(v: number): string {
  if (Number.isNaN(v)) return "nan";
  if (v === Infinity) return "inf";
  if (v === -Infinity) return "-inf";
  return Number.isInteger(v) && Math.abs(v) < 1e16 ? `${v}.0` : String(v);
}

/** An integer column: the integer, or `nan` when unknown. */
export function formatInt(v: number): string {
  return Number.isNaN(v) ? "nan" : String(Math.trunc(v));
}

/** Seconds: integer when whole, `%.3f` otherwise. */
export function formatSeconds(v: number): string {
  if (Number.isNaN(v)) return "nan";
  return Number.isInteger(v) ? String(v) : v.toFixed(3);
}

/** Python `repr` of a list of strings, e.g. `['env', 'figlet']`. */
export function pythonStrList(xs: readonly string[]): string {
  return `[${xs.map(pythonStrRepr).join(", ")}]`;
}

/** Python `repr` of a list of ints, e.g. `[20, 10]`. */
export function pythonIntList(xs: readonly number[]): string {
  return `[${xs.map((x) => String(x)).join(", ")}]`;
}

/** Python `repr` of a str (single quotes unless the text has a single quote and no double quote). */
export function pythonStrRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let body = s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/\r/g, "\\r").replace(/\t/g, "\\t");
  if (q === "'") body = body.replace(/'/g, "\\'");
  return `${q}${body}${q}`;
}
