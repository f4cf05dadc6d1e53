import type { LoadTarget } from "@peva-lab/core";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_K6_SETTINGS,
  generateK6Script,
  k6Duration,
  k6MetricNames,
  SUMMARY_BUILDER_SOURCE,
  sizeVus,
  STATUS_BUCKETS,
  type ScriptData,
} from "../../src/index.ts";
import { evaluateK6Script, type FakeResponse } from "../support/eval-k6-script.ts";

const target = (functionName: string, rate: number, extra: Partial<LoadTarget> = {}): LoadTarget => ({
  functionName,
  url: `http://127.0.0.1:31112/function/${functionName}`,
  method: "POST",
  body: 'he said "hi"\n',
  headers: { "Content-Type": "text/plain" },
  rate,
  ...extra,
});

const input = (targets: LoadTarget[], durationSeconds = 30, requestTimeoutSeconds = 30) => ({
  targets,
  durationSeconds,
  requestTimeoutSeconds,
  settings: DEFAULT_K6_SETTINGS,
});

/** Pulls `export const options = {...};` out of a script and parses it. */
function scriptOptions(script: string): { scenarios: Record<string, Record<string, unknown>>; thresholds: Record<string, string[]> } & Record<string, unknown> {
  const m = /^export const options = (\{[\s\S]*?\n\});$/m.exec(script);
  if (!m) throw new Error("no options");
  return JSON.parse(m[1]!) as { scenarios: Record<string, Record<string, unknown>>; thresholds: Record<string, string[]> };
}

/** Pulls the single-line `const PEVA_DATA = {...};` literal out of a script and parses it. */
function scriptData(script: string): ScriptData {
  const lines = script.split("\n").filter((l) => l.startsWith("const PEVA_DATA = "));
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!.slice("const PEVA_DATA = ".length, -1)) as ScriptData;
}

const ok = (status: number, ms = 1): FakeResponse => ({ status, timings: { duration: ms, connecting: 0, tls_handshaking: 0 } });

describe("k6 script generation", () => {
  const generated = generateK6Script(input([target("fig-let", 100), target("env", 0), target("shasum", 5)]));
  const script = generated.text;
  const options = scriptOptions(script);

  it("imports only k6 modules and keeps every function's request in the data literal, rate 0 included in meta", () => {
    expect(script).toContain('import http from "k6/http";');
    expect(script).toContain('import { Counter, Trend } from "k6/metrics";');
    const data = scriptData(script);
    expect(data).toEqual(generated.data);
    expect(data.functions).toEqual([
      { name: "fig-let", id: "fig_let", rate: 100 },
      { name: "env", id: "env", rate: 0 },
      { name: "shasum", id: "shasum", rate: 5 },
    ]);
    expect(data.targets.map((t) => t.id)).toEqual(["fig_let", "shasum"]);
    expect(data.targets[0]).toEqual({
      id: "fig_let",
      method: "POST",
      url: "http://127.0.0.1:31112/function/fig-let",
      body: 'he said "hi"\n',
      params: { headers: { "Content-Type": "text/plain" }, timeout: "30s", tags: { function: "fig-let" } },
    });
    expect(script).toContain("export function exec_fig_let() {\n  pevaHit(PEVA_DATA.targets[0]);\n}");
    expect(script).toContain("export function exec_shasum() {\n  pevaHit(PEVA_DATA.targets[1]);\n}");
    expect(script).not.toContain("exec_env");
    expect(script).toContain(SUMMARY_BUILDER_SOURCE);
  });

  it("one constant-arrival-rate scenario per function with rate > 0", () => {
    expect(Object.keys(options.scenarios).sort()).toEqual(["fig_let", "shasum"]);
    expect(options.scenarios["fig_let"]).toEqual({
      executor: "constant-arrival-rate",
      rate: 100,
      timeUnit: "1s",
      duration: "30s",
      preAllocatedVUs: 50,
      maxVUs: 3000,
      gracefulStop: "30s",
      exec: "exec_fig_let",
      tags: { function: "fig-let" },
    });
    expect(options["discardResponseBodies"]).toBe(true);
    expect(options["summaryTrendStats"]).toEqual(["avg", "med", "p(90)", "p(95)", "p(99)", "max", "count"]);
  });

  it("VUs sized from rate × expected latency, maxVUs from rate × request timeout, both capped", () => {
    expect(sizeVus(100, DEFAULT_K6_SETTINGS, 30)).toEqual({ preAllocatedVUs: 50, maxVUs: 3000 }); // 100 × 0.25 × 2; 100 × 30
    expect(sizeVus(100, DEFAULT_K6_SETTINGS, 5)).toEqual({ preAllocatedVUs: 50, maxVUs: 500 });
    expect(sizeVus(1, DEFAULT_K6_SETTINGS, 30)).toEqual({ preAllocatedVUs: 1, maxVUs: 30 });
    expect(sizeVus(100_000, DEFAULT_K6_SETTINGS, 30)).toEqual({ preAllocatedVUs: 1000, maxVUs: 4000 });
    expect(sizeVus(10, { ...DEFAULT_K6_SETTINGS, max_vus: 1 }, 30)).toEqual({ preAllocatedVUs: 5, maxVUs: 5 });
    const short = scriptOptions(generateK6Script(input([target("a", 10)], 2, 0.5)).text);
    expect(short.scenarios["a"]).toMatchObject({ duration: "2s", preAllocatedVUs: 5, maxVUs: 20 });
    expect(scriptData(generateK6Script(input([target("a", 10)], 2, 0.5)).text).targets[0]!.params.timeout).toBe("500ms");
  });

  it("surfaces dropped iterations and bytes per scenario with always-passing thresholds", () => {
    expect(options.thresholds).toEqual({
      "dropped_iterations{scenario:fig_let}": ["count>=0"],
      "data_received{scenario:fig_let}": ["count>=0"],
      "data_sent{scenario:fig_let}": ["count>=0"],
      "dropped_iterations{scenario:shasum}": ["count>=0"],
      "data_received{scenario:shasum}": ["count>=0"],
      "data_sent{scenario:shasum}": ["count>=0"],
    });
  });

  it("idle scenario when every rate is 0 (a valid script, though the plugin does not start k6 for it)", () => {
    const idle = scriptOptions(generateK6Script(input([target("env", 0)], 5)).text);
    expect(idle.scenarios).toEqual({ idle: { executor: "constant-vus", vus: 1, duration: "5s", exec: "idle_exec" } });
    expect(idle.thresholds).toEqual({});
  });

  it("handleSummary writes our summary to the path from PEVA_SUMMARY_PATH", () => {
    expect(script).toContain("export function handleSummary(data) {");
    expect(script).toContain("__ENV.PEVA_SUMMARY_PATH");
  });

  it("rejects invalid requests", () => {
    expect(() => generateK6Script(input([]))).toThrow(/at least one target/);
    expect(() => generateK6Script(input([target("a", 1), target("a", 2)]))).toThrow(/'a' appears twice/);
    expect(() => generateK6Script(input([target("a", 1.5)]))).toThrow(/whole number/);
    expect(() => generateK6Script(input([target("a", -1)]))).toThrow(/whole number/);
    expect(() => generateK6Script(input([target("a", 1)], 0))).toThrow(RangeError);
    expect(() => generateK6Script(input([target("a", 1)], 10, Number.NaN))).toThrow(RangeError);
  });

  it("k6 durations: whole seconds as s, the rest in ms", () => {
    expect(k6Duration(30)).toBe("30s");
    expect(k6Duration(0.25)).toBe("250ms");
    expect(k6Duration(1.5)).toBe("1500ms");
    expect(() => k6Duration(0)).toThrow(RangeError);
  });
});

describe("the generated script run in Node with stand-in k6 modules", () => {
  it("creates the documented metrics, and every request lands in exactly one status bucket (success = 200–399)", () => {
    const gen = generateK6Script(input([target("fig-let", 10), target("idle", 0)], 2, 1));
    const answers: FakeResponse[] = [
      ok(200, 2),
      ok(302, 3),
      ok(203, 4), // not in the counted list, still a success
      ok(404, 1),
      ok(418, 1), // not in the counted list, a failure
      { status: 0, error_code: 1050, timings: { duration: 0, connecting: 0, tls_handshaking: 0 } },
      { status: 0, error_code: 1211, timings: { duration: 0, connecting: 0, tls_handshaking: 0 } },
      { status: 0, error_code: 1212, timings: { duration: 0, connecting: 0, tls_handshaking: 0 } },
      { status: 200, timings: { duration: 5, connecting: 1.5, tls_handshaking: 0.5 } },
    ];
    let i = 0;
    const ev = evaluateK6Script(gen.text, { respond: () => answers[i++]! });
    const names = k6MetricNames("fig_let");
    expect([...ev.metrics.keys()].sort()).toEqual([names.latencyAll, names.latencyOk, ...STATUS_BUCKETS.map(names.status)].sort());
    expect(ev.metrics.get(names.latencyAll)).toMatchObject({ type: "trend", isTime: true });
    const exec = ev.exports["exec_fig_let"] as () => void;
    for (let n = 0; n < answers.length; n++) exec();
    expect(ev.requests).toHaveLength(answers.length);
    expect(ev.requests[0]).toEqual({
      method: "POST",
      url: "http://127.0.0.1:31112/function/fig-let",
      body: 'he said "hi"\n',
      params: { headers: { "Content-Type": "text/plain" }, timeout: "1s", tags: { function: "fig-let" } },
    });
    const count = (bucket: string): number => ev.metrics.get(names.status(bucket))!.samples.length;
    expect(count("200")).toBe(2);
    expect(count("302")).toBe(1);
    expect(count("otherok")).toBe(1);
    expect(count("404")).toBe(1);
    expect(count("otherfail")).toBe(1);
    expect(count("0timeout")).toBe(2);
    expect(count("0conn")).toBe(1);
    const total = STATUS_BUCKETS.reduce((a, b) => a + count(b), 0);
    expect(total).toBe(answers.length);
    // Successful latencies only in latency_ok; connection setup counts in the latency of a response.
    expect(ev.metrics.get(names.latencyOk)!.samples).toEqual([2, 3, 4, 7]);
    expect(ev.metrics.get(names.latencyAll)!.samples).toHaveLength(answers.length);
    expect(ev.metrics.get(names.latencyAll)!.samples.slice(0, 5)).toEqual([2, 3, 4, 1, 1]);
  });

  it("setup returns the wall clock; handleSummary writes where PEVA_SUMMARY_PATH says", () => {
    const gen = generateK6Script(input([target("a", 1)], 1, 1));
    const ev = evaluateK6Script(gen.text, { env: { PEVA_SUMMARY_PATH: "/w/summary.v2.json" } });
    const before = Date.now();
    const setup = (ev.exports["setup"] as () => { start_ms: number })();
    expect(setup.start_ms).toBeGreaterThanOrEqual(before);
    expect(setup.start_ms).toBeLessThanOrEqual(Date.now());
    const files = (ev.exports["handleSummary"] as (d: unknown) => Record<string, string>)({ metrics: {}, setup_data: setup });
    expect(Object.keys(files).sort()).toEqual(["/w/summary.v2.json", "stdout"]);
    const doc = JSON.parse(files["/w/summary.v2.json"]!) as { schema: string; window: { start_ms: number; end_ms: number } };
    expect(doc.schema).toBe("peva-faas-k6-summary/v2");
    expect(doc.window.start_ms).toBe(setup.start_ms);
    expect(doc.window.end_ms).toBeGreaterThanOrEqual(setup.start_ms);
  });
});

describe("hostile function names, URLs, bodies and headers stay data", () => {
  const hostile = [
    'a"); globalThis.pwned = 1; ("',
    "b`; globalThis.pwned = 2; `",
    "c${globalThis.pwned = 3}",
    "</script><script>globalThis.pwned = 4</script>",
    "d\n globalThis.pwned = 5; //",
    "e\u2028globalThis.pwned = 6;",
    "f'; globalThis.pwned = 7; '",
    "*/ globalThis.pwned = 8; /*",
    'g\\"); require("x',
  ];
  const targets = hostile.map((name, i) =>
    target(name, i + 1, {
      url: `http://h/${name}`,
      body: `${name}\u2029${name}`,
      headers: { [`X-${i}`]: name, "Content-Type": name },
    }),
  );
  const gen = generateK6Script(input(targets, 3, 1));

  it("the data literal parses back to exactly the names, URLs, bodies and headers", () => {
    const data = scriptData(gen.text);
    expect(data.functions.map((f) => f.name)).toEqual(hostile);
    expect(data.targets.map((t) => t.params.tags.function)).toEqual(hostile);
    expect(data.targets.map((t) => t.url)).toEqual(hostile.map((n) => `http://h/${n}`));
    expect(data.targets.map((t) => t.body)).toEqual(hostile.map((n) => `${n}\u2029${n}`));
    expect(data.targets[0]!.params.headers).toEqual({ "X-0": hostile[0], "Content-Type": hostile[0] });
    for (const f of data.functions) expect(f.id).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
    // Outside the data literal and the options JSON, no user text appears in the script at all.
    const code = gen.text
      .split("\n")
      .filter((l) => !l.startsWith("const PEVA_DATA = "))
      .join("\n")
      .replace(/^export const options = \{[\s\S]*?\n\};$/m, "");
    for (const name of hostile) expect(code).not.toContain(name);
    expect(gen.text).not.toMatch(/[\u2028\u2029]/);
  });

  it("the whole script evaluates without running any of it, and sends each name as data", () => {
    const ev = evaluateK6Script(gen.text);
    expect(ev.global["pwned"]).toBeUndefined();
    const options = ev.exports["options"] as { scenarios: Record<string, { tags: { function: string }; exec: string }> };
    expect(Object.values(options.scenarios).map((s) => s.tags.function).sort()).toEqual([...hostile].sort());
    for (const s of Object.values(options.scenarios)) (ev.exports[s.exec] as () => void)();
    expect(ev.global["pwned"]).toBeUndefined();
    expect(ev.requests.map((r) => (r.params as { tags: { function: string } }).tags.function).sort()).toEqual([...hostile].sort());
    const files = (ev.exports["handleSummary"] as (d: unknown) => Record<string, string>)({ metrics: {} });
    const doc = JSON.parse(files["peva-summary.json"]!) as { functions: { name: string }[] };
    expect(doc.functions.map((f) => f.name)).toEqual(hostile);
  });
});
