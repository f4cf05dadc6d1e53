import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  ConfigError,
  RATES_DEPRECATION,
  REFUSED_SETTINGS,
  durationSeconds,
  formatHumanDuration,
  loadWorkloadConfigFile,
  parseWorkloadConfig,
  resolveConfigSources,
} from "../../src/config/index.ts";
import { configIssues } from "./support/fixtures.ts";

describe("workload config defaults (reference §2.2)", () => {
  const { config, warnings } = parseWorkloadConfig({});
  it("fills every reference default", () => {
    expect(warnings).toEqual([]);
    expect(config.loadgen).toEqual({ type: "vegeta", request_timeout: "30s" });
    expect(config.results).toEqual({ latency_unit: "ns", keep_generator_files: false });
    expect(config.functions).toEqual([
      { name: "figlet", method: "POST", body: "Hello PEVA-faas!", headers: { "Content-Type": "text/plain" } },
    ]);
    expect(config.rate_strategy).toEqual({ type: "linear", min_rate: 0, max_rate: 200, step: 10 });
    expect(config.combinations).toEqual({ min_functions: 1, max_functions: 2 });
    expect(config.duration).toBe("30s");
    expect(config.duration_seconds).toBe(30);
    expect(config.iterations).toBe(3);
    expect(config.selection_mode).toBe("online");
    expect(config.micro_batch_size).toBe(8);
    expect(config.micro_batch_window_s).toBe(30);
    expect(config.scheduler).toBe("cartesian");
    expect(config.algorithm_entrypoint).toBeUndefined();
    expect(config.cooldown).toMatchObject({ max_wait_seconds: 180, sleep_step_seconds: 1, reset_replicas: true, idle_threshold_pct: 15 });
    expect(config.overload).toEqual({
      cpu_overload_pct_of_capacity: 80,
      ram_overload_pct: 90,
      success_rate_node_min: 0.95,
      success_rate_function_min: 0.9,
      replicas_overload_threshold: 15,
    });
    expect(config.queries_path).toBeUndefined();
    expect(config.scaphandre_enabled).toBe(false);
    expect(config.function_pid_regexes).toEqual({});
    expect(config.memory).toEqual({
      backend: "duckdb",
      db_path: "benchmark_results/peva_faas/memory/peva_faas.duckdb",
      preload_raw_debug: false,
      schema_version: "peva_faas_mem_v2",
    });
  });
  it("bounds Prometheus empty-result retries (not 120 s)", () => {
    const p = config.prometheus;
    expect(p.empty_result_attempts * p.empty_result_interval_seconds).toBeLessThanOrEqual(10);
    expect(configIssues({ prometheus: { empty_result_attempts: 601 } })[0]).toMatch(/^prometheus\.empty_result_attempts: /);
    expect(configIssues({ prometheus: { empty_result_attempts: 300, empty_result_interval_seconds: 5 } })).toEqual([
      "prometheus.empty_result_attempts: empty_result_attempts × empty_result_interval_seconds must be <= 600",
    ]);
  });
  it("no refused setting gets a default", () => {
    expect(Object.keys(config).filter((key) => key in REFUSED_SETTINGS)).toEqual([]);
  });
  it("function defaults: GET, empty body and headers", () => {
    const c = parseWorkloadConfig({ functions: [{ name: "env" }] }).config;
    expect(c.functions[0]).toEqual({ name: "env", method: "GET", body: "", headers: {} });
  });
  it("a DFaaS function named without a body is sent DFaaS's body; a body written, even empty, is kept", () => {
    const names = ["figlet", "shasum", "nmap", "curl", "markdown", "eat-memory", "my-fn"];
    const c = parseWorkloadConfig({ functions: names.map((name) => ({ name })) }).config;
    expect(Object.fromEntries(c.functions.map((f) => [f.name, f.body]))).toEqual({
      figlet: "Hello DFaas!",
      shasum: "abcde",
      nmap: "127.0.0.1",
      curl: "http://www.google.com",
      markdown: "# Title\n**Hello** world!",
      "eat-memory": "",
      "my-fn": "",
    });
    const written = parseWorkloadConfig({ functions: [{ name: "nmap", body: "" }, { name: "figlet", body: "hi" }] }).config;
    expect(written.functions.map((f) => f.body)).toEqual(["", "hi"]);
    // Inherited object keys are not DFaaS functions.
    expect(parseWorkloadConfig({ functions: [{ name: "constructor" }] }).config.functions[0]!.body).toBe("");
  });
});

describe("unknown keys are rejected (defect 17)", () => {
  it.each([
    [{ rate_stratgy: { type: "linear" } }, "rate_stratgy: unknown key"],
    [{ functions: [{ name: "a", bdy: "x" }] }, "functions[0].bdy: unknown key"],
    [{ cooldown: { max_wait: 3 } }, "cooldown.max_wait: unknown key"],
    [{ rate_strategy: { type: "linear", stepp: 3 } }, "rate_strategy.stepp: unknown key"],
    [{ memory: { backend: "duckdb", path: "x" } }, "memory.path: unknown key"],
    [{ overload: { cpu_pct: 1 } }, "overload.cpu_pct: unknown key"],
  ])("%j", (input, message) => {
    expect(configIssues(input)).toContain(message);
  });
});

describe("validation messages (reference wording)", () => {
  it.each<[unknown, string]>([
    [{ functions: [{ name: "a", method: "fetch" }] }, "functions[0].method: Unsupported HTTP method: FETCH"],
    [{ functions: [{ name: "a" }, { name: "a" }] }, "functions: functions names must be unique"],
    [{ functions: [] }, "functions: Too small: expected array to have >=1 items"],
    [{ functions: [{ name: "" }] }, "functions[0].name: function names must be 1-63 lowercase letters, digits or '-', starting and ending with a letter or digit (as OpenFaaS requires)"],
    [{ duration: "30 s" }, "duration: duration must match <number><unit>, e.g. 30s or 1m"],
    [{ duration: "0m" }, "duration: duration must be > 0"],
    [
      { combinations: { min_functions: 2, max_functions: 2 } },
      "combinations.max_functions: combinations.max_functions must be > combinations.min_functions: max_functions is exclusive " +
        "(configurations load min_functions .. max_functions - 1 functions; 1..2 loads one at a time)",
    ],
    [{ rate_strategy: { type: "linear", min_rate: 30, max_rate: 20 } }, "rate_strategy.max_rate: max_rate must be >= min_rate"],
    [{ rate_strategy: { type: "random", min_rate: 30, max_rate: 20 } }, "rate_strategy.max_rate: max_rate must be >= min_rate"],
    [{ rate_strategy: { type: "exponential", min_power: 3, max_power: 2 } }, "rate_strategy.max_power: max_power must be >= min_power"],
    [{ rate_strategy: { type: "custom", rates: [5, -1] } }, "rate_strategy.rates: All rates must be >= 0"],
    [{ iterations: 0 }, "iterations: Too small: expected number to be >=1"],
    [{ micro_batch_size: 0 }, "micro_batch_size: Too small: expected number to be >=1"],
    [{ micro_batch_window_s: 0 }, "micro_batch_window_s: Too small: expected number to be >=1"],
    [{ selection_mode: "batch" }, 'selection_mode: Invalid option: expected one of "online"|"micro_batch"'],
    [{ cooldown: { sleep_step_seconds: 0 } }, "cooldown.sleep_step_seconds: Too small: expected number to be >0"],
    [{ cooldown: { idle_threshold_pct: 101 } }, "cooldown.idle_threshold_pct: Too big: expected number to be <=100"],
    [{ overload: { success_rate_node_min: 1.5 } }, "overload.success_rate_node_min: Too big: expected number to be <=1"],
    [{ overload: { replicas_overload_threshold: 0 } }, "overload.replicas_overload_threshold: Too small: expected number to be >=1"],
    [{ memory: { backend: "sqlite" } }, 'memory.backend: Invalid input: expected "duckdb"'],
    [{ algorithm_entrypoint: "nocolon" }, "algorithm_entrypoint: algorithm_entrypoint must look like module:Export"],
    [{ function_pid_regexes: { nope: "1" } }, "function_pid_regexes.nope: not a configured function"],
    [{ scheduler: "random" }, "scheduler: scheduler must be one of cartesian, frontier or module:Export"],
    [{ memory: { db_path: "../x.duckdb" } }, "memory.db_path: PEVA-FAAS memory DB path cannot contain '..' segments."],
  ])("%j", (input, message) => {
    expect(configIssues(input)).toContain(message);
  });

  it("max_rate must be >= the strategy's min_rate (0 for exponential/custom)", () => {
    expect(
      configIssues({ functions: [{ name: "fig", max_rate: 5 }], rate_strategy: { type: "linear", min_rate: 10 } }),
    ).toEqual(["functions[0].max_rate: functions[fig].max_rate must be >= rate_strategy.min_rate"]);
    expect(() =>
      parseWorkloadConfig({ functions: [{ name: "fig", max_rate: 0 }], rate_strategy: { type: "exponential" } }),
    ).not.toThrow();
  });
  it("lists every problem at once", () => {
    expect(configIssues({ iterations: 0, duration: "x", bogus: 1 })).toHaveLength(3);
  });
});

describe("normalisation and derived fields", () => {
  it("upper-cases and strips methods, trims durations", () => {
    const c = parseWorkloadConfig({ functions: [{ name: "a", method: " post " }], duration: " 1m " }).config;
    expect(c.functions[0]!.method).toBe("POST");
    expect(c.duration).toBe("1m");
    expect(c.duration_seconds).toBe(60);
  });
  it.each([
    ["30s", 30],
    ["2m", 120],
    ["1h", 3600],
    ["1500ms", 1],
    ["999ms", 1],
    ["2500ms", 2],
  ])("durationSeconds(%s) = %d", (d, s) => expect(durationSeconds(d)).toBe(s));
  it("loadgen: the generator's own keys pass through; type and request_timeout are checked here", () => {
    const c = parseWorkloadConfig({ loadgen: { type: "k6", max_vus: 10, request_timeout: "5s" }, results: { latency_unit: "ms" } }).config;
    expect(c.loadgen).toEqual({ type: "k6", max_vus: 10, request_timeout: "5s" });
    expect(c.results.latency_unit).toBe("ms");
    expect(() => parseWorkloadConfig({ loadgen: { type: "Vegeta!" } })).toThrow(/loadgen\.type: must be a load-generator plugin name/);
    expect(() => parseWorkloadConfig({ loadgen: { request_timeout: "soon" } })).toThrow(/loadgen\.request_timeout: duration must match/);
    expect(() => parseWorkloadConfig({ results: { latency_unit: "us" } })).toThrow(/results\.latency_unit/);
  });
  it("formats human durations", () => {
    expect(formatHumanDuration(45)).toBe("45s");
    expect(formatHumanDuration(185)).toBe("3m 05s");
    expect(formatHumanDuration(7260)).toBe("2h 01m 00s");
    expect(formatHumanDuration(90000)).toBe("1d 01h 00m");
  });
});

describe("deprecated rates", () => {
  it("is copied into a default linear strategy, with a warning", () => {
    const r = parseWorkloadConfig({ rates: { min_rate: 10, max_rate: 50, step: 20 } });
    expect(r.config.rate_strategy).toEqual({ type: "linear", min_rate: 10, max_rate: 50, step: 20 });
    expect(r.warnings).toEqual([RATES_DEPRECATION]);
    expect("rates" in r.config).toBe(false);
  });
  it("does not override a non-default strategy but still warns", () => {
    const r = parseWorkloadConfig({ rates: { max_rate: 50 }, rate_strategy: { type: "custom", rates: [1] } });
    expect(r.config.rate_strategy).toEqual({ type: "custom", rates: [1] });
    expect(r.warnings).toEqual([RATES_DEPRECATION]);
  });
  it("is validated", () => {
    expect(configIssues({ rates: { min_rate: 5, max_rate: 1 } })).toEqual(["rates.max_rate: max_rate must be >= min_rate"]);
  });
});

describe("sources: layered settings files", () => {
  it("deep-merges common, plugins.peva_faas, then options", () => {
    const merged = resolveConfigSources(
      { common: { iterations: 5, cooldown: { max_wait_seconds: 10, sleep_step_seconds: 2 } }, plugins: { peva_faas: { cooldown: { max_wait_seconds: 20 } } } },
      { iterations: 7 },
    );
    expect(merged).toEqual({ iterations: 7, cooldown: { max_wait_seconds: 20, sleep_step_seconds: 2 } });
  });
  it("rejects non-mapping documents and sections", () => {
    expect(() => resolveConfigSources([1], {})).toThrow("Config file must contain a mapping at the top level.");
    expect(() => resolveConfigSources({ common: [] }, {})).toThrow(
      "Config sections 'common' and 'plugins.peva_faas' must be mappings.",
    );
  });
  it("loads a flat or layered settings file and reports a missing one", () => {
    const dir = mkdtempSync(join(tmpdir(), "peva-cfg-"));
    writeFileSync(join(dir, "spec.yml"), "functions:\n  - name: env\niterations: 1\n");
    expect(loadWorkloadConfigFile(join(dir, "spec.yml")).config.functions[0]!.name).toBe("env");
    writeFileSync(join(dir, "layered.yml"), "common:\n  iterations: 4\nplugins:\n  peva_faas:\n    duration: 10s\n");
    const layered = loadWorkloadConfigFile(join(dir, "layered.yml")).config;
    expect([layered.iterations, layered.duration_seconds]).toEqual([4, 10]);
    expect(() => loadWorkloadConfigFile(join(dir, "missing.yml"))).toThrow(`Configuration file not found: ${join(dir, "missing.yml")}`);
  });
  it("never follows a config_path named in a file: the key is refused", () => {
    const dir = mkdtempSync(join(tmpdir(), "peva-cfg-"));
    writeFileSync(join(dir, "other.yml"), "iterations: 9\n");
    writeFileSync(join(dir, "spec.yml"), "config_path: other.yml\n");
    let err: unknown;
    try {
      loadWorkloadConfigFile(join(dir, "spec.yml"));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues).toEqual([`config_path: ${REFUSED_SETTINGS.config_path}`]);
  });
});

