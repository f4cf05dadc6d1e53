/**
 * Test support: the DFaaS analysis notebook's loading step, re-implemented from its documented behaviour
 * (`performance_modelling/system-forecaster.ipynb` of the DFaaS project): list the folder's files whose name ends in
 * `.csv` (not recursively), read each with pandas' defaults (comma-separated, first line the header, `nan` and
 * empty cells missing), concatenate them (columns united, missing cells NaN), drop the columns starting with
 * `function_`, fill missing `success_rate_*` with 1 and every other missing cell with 0, then min-max scale every
 * column, which needs every value numeric, with `cpu_usage_node` and `ram_usage_node` as the targets.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** A loaded frame: columns and numeric rows, as the notebook has them before scaling. */
export interface DfaasFrame {
  readonly files: readonly string[];
  readonly columns: readonly string[];
  readonly rows: readonly Readonly<Record<string, number>>[];
}

/** Splits one CSV line at commas outside double quotes (pandas' default dialect). */
function splitCsv(line: string): string[] {
  const out: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      out.push(field);
      field = "";
    } else field += ch;
  }
  out.push(field);
  return out;
}

const MISSING = new Set(["", "nan", "NaN", "NA", "N/A", "null", "NULL"]);

/** Loads `folder` the way the notebook does; throws, naming the file and column, where the notebook would fail. */
export function loadLikeDfaasNotebook(folder: string): DfaasFrame {
  const files = readdirSync(folder).filter((f) => f.endsWith(".csv"));
  if (files.length === 0) throw new Error(`${folder}: no .csv file (pd.concat of nothing fails)`);
  const columns: string[] = [];
  const raw: { file: string; cells: Map<string, string> }[] = [];
  for (const file of files) {
    const [header = "", ...lines] = readFileSync(join(folder, file), "utf8").split("\n").filter((l) => l !== "");
    const names = splitCsv(header);
    for (const n of names) if (!columns.includes(n)) columns.push(n);
    for (const line of lines) {
      const values = splitCsv(line);
      if (values.length > names.length) throw new Error(`${file}: a row has ${values.length} fields, the header ${names.length} (pandas: Error tokenizing data)`);
      raw.push({ file, cells: new Map(names.map((n, i) => [n, values[i] ?? ""])) });
    }
  }
  const kept = columns.filter((c) => !c.startsWith("function_"));
  const rows = raw.map(({ file, cells }) =>
    Object.fromEntries(
      kept.map((c) => {
        const text = cells.get(c);
        if (text === undefined || MISSING.has(text)) return [c, c.startsWith("success_rate_") ? 1 : 0];
        const value = Number(text);
        if (!Number.isFinite(value) || text.trim() === "") throw new Error(`${file}: column '${c}' holds text ('${text.slice(0, 40)}'): MinMaxScaler cannot scale it`);
        return [c, value];
      }),
    ),
  );
  for (const target of ["cpu_usage_node", "ram_usage_node"]) if (!kept.includes(target)) throw new Error(`${folder}: no '${target}' column, the notebook's target`);
  return { files, columns: kept, rows };
}
