/**
 * Prometheus query definitions (`queries/*.yml`): parsing, required-query validation and placeholder rendering.
 * Pure (file reading is in `files.ts`).
 *
 * File format (upstream-compatible): `queries: [{name, query, range?, step?, enabled_if?, unit?, description?}]`.
 * Placeholders are filled by plain replacement: `{time_span}` (a PromQL duration), `{function_name}`,
 * `{pid_regex}`. A query that uses `{function_name}` or `{pid_regex}` is per function, otherwise per node.
 */
import { z } from "zod";
import { parse as parseYaml } from "yaml";

/** One query definition. */
export const QueryDefinitionSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9_]*$/, { error: "query names are lower_snake_case" }),
  query: z.string().min(1),
  /** Evaluated over the run window (true) or as a trailing instant query only (false). */
  range: z.boolean().default(true),
  step: z.string().regex(/^[0-9]+(ms|s|m|h)$/).default("10s"),
  /** `scaphandre`: only used when `scaphandre_enabled`. */
  enabled_if: z.enum(["scaphandre"]).optional(),
  unit: z.string().optional(),
  description: z.string().optional(),
});

/** A parsed query definition. */
export type QueryDefinition = z.output<typeof QueryDefinitionSchema>;

const QueriesFileSchema = z.strictObject({
  queries: z.array(QueryDefinitionSchema).min(1),
});

/** Node-level queries every query file must define. */
export const REQUIRED_NODE_QUERIES = ["cpu_usage_node", "cpu_usage_node_pct", "ram_usage_node", "ram_usage_node_pct"] as const;
/** Per-function queries every query file must define. */
export const REQUIRED_FUNCTION_QUERIES = ["cpu_usage_function", "ram_usage_function"] as const;
/** Required only when Scaphandre is enabled. */
export const POWER_QUERIES = ["power_usage_node", "power_usage_function"] as const;

/** A validated set of queries by name. */
export type QuerySet = ReadonlyMap<string, QueryDefinition>;

/** Thrown on an invalid query file. */
export class QueryFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "QueryFileError";
  }
}

/**
 * Parses a queries YAML document and validates the required queries.
 * @param path used in error messages only.
 */
export function parseQueriesDocument(text: string, path: string, opts: { scaphandre?: boolean } = {}): QuerySet {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new QueryFileError(`cannot parse ${path}: ${(err as Error).message}`);
  }
  const parsed = QueriesFileSchema.safeParse(doc);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) =>
      i.code === "unrecognized_keys"
        ? `${[...i.path, ...i.keys].join(".")}: unknown key`
        : `${i.path.join(".") || "<root>"}: ${i.message}`,
    );
    throw new QueryFileError(`invalid queries file ${path}:\n  ${lines.join("\n  ")}`);
  }
  const set = new Map<string, QueryDefinition>();
  for (const q of parsed.data.queries) {
    if (set.has(q.name)) throw new QueryFileError(`invalid queries file ${path}: duplicate query '${q.name}'`);
    set.set(q.name, q);
  }
  validateRequiredQueries(set, path, opts);
  return set;
}

/** Throws `Missing required Prometheus queries in <path>: a, b` when required queries are absent. */
export function validateRequiredQueries(set: QuerySet, path: string, opts: { scaphandre?: boolean } = {}): void {
  const required: string[] = [...REQUIRED_NODE_QUERIES, ...REQUIRED_FUNCTION_QUERIES];
  if (opts.scaphandre) required.push(...POWER_QUERIES);
  const missing = required.filter((n) => !set.has(n));
  if (missing.length > 0) throw new QueryFileError(`Missing required Prometheus queries in ${path}: ${missing.join(", ")}`);
}

/** The queries in use: `enabled_if: scaphandre` ones are dropped unless Scaphandre is on. */
export function activeQueries(set: QuerySet, scaphandre: boolean): QueryDefinition[] {
  return [...set.values()].filter((q) => q.enabled_if !== "scaphandre" || scaphandre);
}

/** Whether a query is evaluated per function. */
export function isFunctionQuery(q: QueryDefinition): boolean {
  return q.query.includes("{function_name}") || q.query.includes("{pid_regex}");
}

/** Values for the placeholders. */
export interface QueryVariables {
  /** PromQL duration, e.g. `30s` or `45123ms`. */
  readonly time_span: string;
  readonly function_name?: string;
  readonly pid_regex?: string;
}

const KNOWN_PLACEHOLDERS = ["{time_span}", "{function_name}", "{pid_regex}"];

/** Escapes a value for use inside a double-quoted PromQL string literal. */
export function escapePromqlString(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/**
 * Fills the placeholders. `{function_name}` is escaped for a PromQL string literal; `{pid_regex}` is inserted
 * as given (it is a regex already). Throws if a known placeholder is left unfilled.
 */
export function renderQuery(template: string, vars: QueryVariables): string {
  let out = template.split("{time_span}").join(vars.time_span);
  if (vars.function_name !== undefined) out = out.split("{function_name}").join(escapePromqlString(vars.function_name));
  if (vars.pid_regex !== undefined) out = out.split("{pid_regex}").join(vars.pid_regex);
  const left = KNOWN_PLACEHOLDERS.filter((p) => out.includes(p));
  if (left.length > 0) throw new QueryFileError(`unfilled placeholder(s) ${left.join(", ")} in query: ${template}`);
  return out;
}
