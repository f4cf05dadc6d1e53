/**
 * Collecting node and function metrics with a query set (reference §8.2, with fixes). Depends only on the
 * {@link PrometheusQuerier} interface, so it is unit-testable with a fake.
 *
 * - Node CPU is reported raw (`cpu_usage_node`, 100 × busy cores) **and** normalised (`cpu_usage_node_pct`,
 *   % of capacity); overload rules use the normalised value (defect 1).
 * - A failed node query fails the collection (throws); a failed function query gives NaN and an error entry.
 * - Power is NaN unless Scaphandre is on (per-function power also needs a PID regex).
 */
import type { PrometheusQuerier } from "./client.ts";
import { activeQueries, isFunctionQuery, renderQuery, type QueryDefinition, type QuerySet } from "./queries.ts";
import { planWindow } from "./window.ts";

/** Node-level values. CPU raw = 100 × busy cores; CPU pct = % of capacity; RAM in bytes; power in µW. */
export interface NodeMetrics {
  readonly cpu_usage_node: number;
  readonly cpu_usage_node_pct: number;
  readonly ram_usage_node: number;
  readonly ram_usage_node_pct: number;
  readonly power_usage_node: number;
}

/** Per-function values: CPU 100 × cores, RAM bytes, power µW. */
export interface FunctionMetrics {
  readonly cpu: number;
  readonly ram: number;
  readonly power: number;
  /** Values of extra (non-standard) function queries, by query name. */
  readonly extra: Readonly<Record<string, number>>;
}

/** Metrics of one iteration. */
export interface IterationMetrics {
  readonly node: NodeMetrics;
  /** Values of extra node queries by name. */
  readonly nodeExtra: Readonly<Record<string, number>>;
  readonly functions: ReadonlyMap<string, FunctionMetrics>;
  /** Failed function queries: `<function>:<query>: <message>`. */
  readonly errors: readonly string[];
}

/**
 * The extra node figures of an iteration as context rows (name, unit from the query file, value), leaving out
 * `exclude` (figures recorded elsewhere, e.g. the contention inputs). Pure.
 */
export function nodeContextFigures(
  nodeExtra: Readonly<Record<string, number>>,
  queries: QuerySet,
  exclude: readonly string[] = [],
): { name: string; unit: string; value: number }[] {
  return Object.entries(nodeExtra)
    .filter(([name]) => !exclude.includes(name))
    .map(([name, value]) => ({ name, unit: queries.get(name)?.unit ?? "", value }));
}

/** How to evaluate an iteration window. */
export interface WindowSettings {
  readonly mode: "at_end" | "range";
  readonly stepSeconds: number;
}

const NODE_KEYS = ["cpu_usage_node", "cpu_usage_node_pct", "ram_usage_node", "ram_usage_node_pct", "power_usage_node"] as const;
const FUNCTION_KEYS: Record<string, "cpu" | "ram" | "power"> = {
  cpu_usage_function: "cpu",
  ram_usage_function: "ram",
  power_usage_function: "power",
};

type Evaluate = (q: QueryDefinition, vars: { function_name?: string; pid_regex?: string }) => Promise<number>;

function windowEvaluator(client: PrometheusQuerier, start: number, end: number, w: WindowSettings): Evaluate {
  return async (q, vars) => {
    const plan = planWindow(start, end, q.range ? w.mode : "at_end", w.stepSeconds);
    const query = renderQuery(q.query, { time_span: plan.timeSpan, ...vars });
    if (plan.kind === "range") return (await client.range(query, plan.start, plan.end, plan.stepSeconds)).mean;
    return (await client.instant(query, plan.time)).value;
  };
}

function instantEvaluator(client: PrometheusQuerier, timeSpan: string, time?: number): Evaluate {
  return async (q, vars) => (await client.instant(renderQuery(q.query, { time_span: timeSpan, ...vars }), time)).value;
}

async function collectNode(
  evaluate: Evaluate,
  queries: readonly QueryDefinition[],
): Promise<{ node: NodeMetrics; extra: Record<string, number> }> {
  const values: Record<string, number> = {};
  for (const q of queries.filter((x) => !isFunctionQuery(x))) values[q.name] = await evaluate(q, {});
  const node = Object.fromEntries(NODE_KEYS.map((k) => [k, values[k] ?? Number.NaN])) as unknown as NodeMetrics;
  const extra = Object.fromEntries(Object.entries(values).filter(([k]) => !(NODE_KEYS as readonly string[]).includes(k)));
  return { node, extra };
}

/** Options of the collectors. */
export interface CollectOptions {
  readonly scaphandre: boolean;
  /** Function name → PID regex (per-function power). */
  readonly pidRegexes?: Readonly<Record<string, string>>;
}

/**
 * Node snapshot by instant queries over a trailing `timeSpan` (baseline and cooldown). Throws when a node query
 * fails.
 */
export async function collectNodeSnapshot(
  client: PrometheusQuerier,
  set: QuerySet,
  timeSpan: string,
  opts: CollectOptions,
  time?: number,
): Promise<NodeMetrics> {
  return (await collectNode(instantEvaluator(client, timeSpan, time), activeQueries(set, opts.scaphandre))).node;
}

/** Metrics of one iteration over the run window `[start, end]` (epoch seconds). */
export async function collectIterationMetrics(
  client: PrometheusQuerier,
  set: QuerySet,
  window: { start: number; end: number },
  functions: readonly string[],
  settings: WindowSettings,
  opts: CollectOptions,
): Promise<IterationMetrics> {
  const evaluate = windowEvaluator(client, window.start, window.end, settings);
  const queries = activeQueries(set, opts.scaphandre);
  const { node, extra: nodeExtra } = await collectNode(evaluate, queries);
  const errors: string[] = [];
  const perFunction = new Map<string, FunctionMetrics>();
  for (const name of functions) {
    const base: Record<"cpu" | "ram" | "power", number> = { cpu: Number.NaN, ram: Number.NaN, power: Number.NaN };
    const extra: Record<string, number> = {};
    for (const q of queries.filter(isFunctionQuery)) {
      const pid = opts.pidRegexes?.[name];
      if (q.query.includes("{pid_regex}") && pid === undefined) continue;
      let value = Number.NaN;
      try {
        value = await evaluate(q, { function_name: name, ...(pid !== undefined ? { pid_regex: pid } : {}) });
      } catch (err) {
        errors.push(`${name}:${q.name}: ${(err as Error).message}`);
      }
      const key = FUNCTION_KEYS[q.name];
      if (key) base[key] = value;
      else extra[q.name] = value;
    }
    perFunction.set(name, { ...base, extra });
  }
  return { node, nodeExtra, functions: perFunction, errors };
}
