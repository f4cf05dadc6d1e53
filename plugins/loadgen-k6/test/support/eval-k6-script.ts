/**
 * Test support: evaluating a generated k6 script in Node (`node:vm`, a fresh context) with stand-ins for the k6
 * modules, and aggregating what it recorded into a k6-like `handleSummary` data object.
 *
 * This is NOT k6 and does not reproduce it: it only lets the tests run the script's own JavaScript (init code,
 * exec functions, `setup`, `handleSummary`) so that its logic is checked without the AGPL tool.
 */
import vm from "node:vm";

/** A response as `http.request` returns it in k6 (the fields the script reads). */
export interface FakeResponse {
  readonly status: number;
  readonly error_code?: number;
  readonly timings: { readonly duration: number; readonly connecting: number; readonly tls_handshaking: number };
}

/** One call of the stubbed `http.request`. */
export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly body: unknown;
  readonly params: unknown;
}

/** A metric the script created. */
export interface RecordedMetric {
  readonly type: "counter" | "trend";
  readonly isTime: boolean;
  readonly samples: number[];
}

/** Stand-ins for k6 behaviour. */
export interface ScriptStubs {
  /** Answers `http.request`; default status 200 with 1 ms. */
  readonly respond?: (req: RecordedRequest) => FakeResponse;
  /** `__ENV`. */
  readonly env?: Readonly<Record<string, string>>;
}

/** The evaluated script. */
export interface EvaluatedScript {
  /** The script's `export`s by name (functions and `options`). */
  readonly exports: Readonly<Record<string, unknown>>;
  readonly metrics: ReadonlyMap<string, RecordedMetric>;
  readonly requests: readonly RecordedRequest[];
  /** The vm context's global object, to check that nothing leaked into it. */
  readonly global: Record<string, unknown>;
}

/** The three import lines every generated script starts with (anything else would be a generator change). */
const EXPECTED_IMPORTS = ['import http from "k6/http";', 'import { sleep } from "k6";', 'import { Counter, Trend } from "k6/metrics";'];

/** Evaluates a generated script with stand-in k6 modules. Throws when the script has unexpected imports. */
export function evaluateK6Script(text: string, stubs: ScriptStubs = {}): EvaluatedScript {
  const imports = text.split("\n").filter((l) => /^\s*import\b/.test(l));
  if (JSON.stringify(imports) !== JSON.stringify(EXPECTED_IMPORTS)) throw new Error(`unexpected imports: ${imports.join(" / ")}`);
  const exported: string[] = [];
  const body = text
    .split("\n")
    .filter((l) => !/^\s*import\b/.test(l))
    .map((l) => {
      const m = /^export (function|const) ([A-Za-z_$][\w$]*)/.exec(l);
      if (!m) return l;
      exported.push(m[2]!);
      return l.slice("export ".length);
    })
    .join("\n");
  const metrics = new Map<string, RecordedMetric>();
  const requests: RecordedRequest[] = [];
  const register = (name: string, type: RecordedMetric["type"], isTime: boolean): RecordedMetric => {
    if (metrics.has(name)) throw new Error(`metric ${name} created twice`);
    const m: RecordedMetric = { type, isTime, samples: [] };
    metrics.set(name, m);
    return m;
  };
  class Counter {
    readonly #m: RecordedMetric;
    constructor(name: string) {
      this.#m = register(name, "counter", false);
    }
    add(v: number): void {
      this.#m.samples.push(v);
    }
  }
  class Trend {
    readonly #m: RecordedMetric;
    constructor(name: string, isTime?: boolean) {
      this.#m = register(name, "trend", isTime === true);
    }
    add(v: number): void {
      this.#m.samples.push(v);
    }
  }
  const respond = stubs.respond ?? ((): FakeResponse => ({ status: 200, timings: { duration: 1, connecting: 0, tls_handshaking: 0 } }));
  const http = {
    request: (method: string, url: string, reqBody: unknown, params: unknown): FakeResponse => {
      const req = { method, url, body: reqBody, params };
      requests.push(req);
      return respond(req);
    },
  };
  const context = vm.createContext({ http, sleep: (): void => {}, Counter, Trend, __ENV: { ...(stubs.env ?? {}) } });
  const code = `(function () {\n${body}\nreturn { ${exported.join(", ")} };\n})()`;
  const exports = new vm.Script(code, { filename: "script.js" }).runInContext(context) as Record<string, unknown>;
  return { exports, metrics, requests, global: context as Record<string, unknown> };
}

/** k6-style percentile of ascending values: linear interpolation between the closest ranks. */
export function interpolatedPercentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const pos = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/**
 * A k6-like `handleSummary` data object (legacy layout) of what the script recorded: metrics without samples are
 * left out, as k6 leaves out metrics nobody observed. `extra` adds metrics k6 itself would report (submetrics of
 * dropped iterations and bytes).
 */
export function k6DataOf(
  metrics: ReadonlyMap<string, RecordedMetric>,
  extra: Readonly<Record<string, number>> = {},
  setupData?: unknown,
  testRunDurationMs = 1000,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, m] of metrics) {
    if (m.samples.length === 0) continue;
    if (m.type === "counter") {
      const count = m.samples.reduce((a, b) => a + b, 0);
      out[name] = { type: "counter", contains: "default", values: { count, rate: count / (testRunDurationMs / 1000) } };
    } else {
      const sorted = [...m.samples].sort((a, b) => a - b);
      out[name] = {
        type: "trend",
        contains: m.isTime ? "time" : "default",
        values: {
          avg: sorted.reduce((a, b) => a + b, 0) / sorted.length,
          med: interpolatedPercentile(sorted, 50),
          "p(90)": interpolatedPercentile(sorted, 90),
          "p(95)": interpolatedPercentile(sorted, 95),
          "p(99)": interpolatedPercentile(sorted, 99),
          max: sorted[sorted.length - 1],
          count: sorted.length,
        },
      };
    }
  }
  for (const [name, count] of Object.entries(extra)) {
    out[name] = { type: "counter", contains: "default", values: { count, rate: count / (testRunDurationMs / 1000) }, thresholds: { "count>=0": { ok: true } } };
  }
  const data: Record<string, unknown> = {
    root_group: { name: "", path: "", id: "d41d8cd98f00b204e9800998ecf8427e", groups: [], checks: [] },
    options: { summaryTrendStats: ["avg", "med", "p(90)", "p(95)", "p(99)", "max", "count"], summaryTimeUnit: "", noColor: true },
    state: { isStdOutTTY: false, isStdErrTTY: false, testRunDurationMs },
    metrics: out,
  };
  if (setupData !== undefined) data["setup_data"] = setupData;
  return data;
}
