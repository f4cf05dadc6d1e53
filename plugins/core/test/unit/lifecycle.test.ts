import { describe, expect, it } from "vitest";
import {
  ComputePlugin,
  healthStatus,
  HookTimeoutError,
  MemoryLogger,
  MissingDependencyError,
  PluginBlockedError,
  PluginRegistry,
  PluginStartupError,
  runHook,
  WorkloadPlugin,
  type ConnectionResult,
  type HealthStatus,
  type PluginType,
  type PreflightReport,
  type WorkloadPlan,
} from "../../src/index.ts";
import { tempDir, writePluginPackage } from "../support/packages.ts";
import { deferred, ManualTimer, until } from "../support/timer.ts";

/** Hooks a test plugin runs; each records its call in `log`. */
interface Hooks {
  startup?: (signal: AbortSignal) => Promise<void> | void;
  shutdown?: () => Promise<void> | void;
  healthCheck?: () => Promise<HealthStatus> | HealthStatus;
}

class TestWorkload extends WorkloadPlugin {
  readonly name: string;
  readonly version = "0.1.0";
  readonly apiVersion = "1.0";
  override readonly dependencies: readonly string[];
  readonly hooks: Hooks;
  readonly log: string[];
  constructor(name: string, log: string[], hooks: Hooks = {}, dependencies: readonly string[] = []) {
    super();
    this.name = name;
    this.log = log;
    this.hooks = hooks;
    this.dependencies = dependencies;
  }
  override async startup(signal: AbortSignal): Promise<void> {
    this.log.push(`start ${this.name}`);
    await this.hooks.startup?.(signal);
  }
  override async shutdown(): Promise<void> {
    this.log.push(`stop ${this.name}`);
    await this.hooks.shutdown?.();
  }
  override healthCheck(): Promise<HealthStatus> | HealthStatus {
    return this.hooks.healthCheck ? this.hooks.healthCheck() : super.healthCheck();
  }
  async preflight(): Promise<PreflightReport> {
    return { ok: true, missing: [] };
  }
  plan(): WorkloadPlan {
    return { runs: [], estimatedSeconds: 0 };
  }
}

class TestCompute extends ComputePlugin {
  readonly name: string;
  readonly version = "0.1.0";
  readonly apiVersion = "1.0";
  readonly isSelfHosted = true;
  readonly log: string[];
  constructor(name: string, log: string[]) {
    super();
    this.name = name;
    this.log = log;
  }
  override startup(): void {
    this.log.push(`start compute:${this.name}`);
  }
  override shutdown(): void {
    this.log.push(`stop compute:${this.name}`);
  }
  generateDbtProfile(): Record<string, unknown> {
    return {};
  }
  getRequiredDbtPackages(): readonly string[] {
    return [];
  }
  async validateConnection(): Promise<ConnectionResult> {
    return { status: "healthy", latencyMs: 0, message: "", warnings: [] };
  }
}

function registryWith(...plugins: (TestWorkload | TestCompute)[]) {
  const timer = new ManualTimer();
  const logger = new MemoryLogger();
  const registry = new PluginRegistry({ logger, timer });
  for (const p of plugins) registry.register(p);
  return { registry, timer, logger };
}

const key = (type: PluginType, name: string) => ({ type, name });

describe("lifecycle: activate", () => {
  it("FR-013: activate runs startup once with an AbortSignal; activating again is a no-op", async () => {
    const log: string[] = [];
    let seen: AbortSignal | undefined;
    const { registry } = registryWith(new TestWorkload("a", log, { startup: (s) => void (seen = s) }));
    await registry.activate("workload", "a");
    await registry.activate("workload", "a");
    expect(log).toEqual(["start a"]);
    expect(seen).toBeInstanceOf(AbortSignal);
    expect(seen!.aborted).toBe(false);
    expect(registry.state("workload", "a")).toBe("active");
    expect(registry.activationOrder()).toEqual(["WORKLOAD:a"]);
  });

  it("concurrent activations of one plugin run startup once", async () => {
    const log: string[] = [];
    const gate = deferred();
    const { registry } = registryWith(new TestWorkload("a", log, { startup: () => gate.promise }));
    const both = Promise.all([registry.activate("workload", "a"), registry.activate("workload", "a")]);
    gate.resolve();
    await both;
    expect(log).toEqual(["start a"]);
    expect(registry.activationOrder()).toEqual(["WORKLOAD:a"]);
  });

  it("FR-013: a throwing startup raises PluginStartupError with the cause and marks the plugin failed", async () => {
    const log: string[] = [];
    const { registry } = registryWith(
      new TestWorkload("a", log, { startup: () => Promise.reject(new Error("port in use")) }),
    );
    const e = await registry.activate("workload", "a").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PluginStartupError);
    expect((e as Error).message).toBe("Plugin startup failed: WORKLOAD:a - port in use");
    expect(registry.state("workload", "a")).toBe("failed");
    expect(registry.activationOrder()).toEqual([]);
  });

  it("SC-006 defect 6: a hung startup is abandoned at the timeout, its signal aborted, and the plugin marked failed", async () => {
    const log: string[] = [];
    let signal: AbortSignal | undefined;
    const never = deferred();
    const { registry, timer, logger } = registryWith(
      new TestWorkload("hung", log, {
        startup: (s) => {
          signal = s;
          return never.promise;
        },
      }),
    );
    const activation = registry.activate("workload", "hung").catch((x: unknown) => x);
    await timer.waitForPending();
    expect([...timer.pending.values()].map((t) => t.ms)).toEqual([30_000]); // the default lifecycle timeout
    timer.fireAll();
    const e = (await activation) as PluginStartupError;
    // The hook is still pending: the activation returned without waiting for it.
    expect(e).toBeInstanceOf(PluginStartupError);
    expect(e.message).toBe("Plugin startup failed: WORKLOAD:hung - startup() timed out after 30s");
    expect(e.cause).toBeInstanceOf(HookTimeoutError);
    expect(signal!.aborted).toBe(true);
    expect(signal!.reason).toBe(e.cause);
    expect(registry.state("workload", "hung")).toBe("failed");
    expect(registry.activationOrder()).toEqual([]);

    // If the abandoned hook completes later, the plugin is shut down again rather than left half-started.
    never.resolve();
    await until(() => log.length === 2);
    expect(log).toEqual(["start hung", "stop hung"]);
    expect(logger.records.some((r) => r.event === "activate_plugin.abandoned_settled")).toBe(true);
    expect(registry.state("workload", "hung")).toBe("failed");
  });

  it("the timeout is per call and injectable", async () => {
    const { registry, timer } = registryWith(new TestWorkload("a", [], { startup: () => new Promise(() => {}) }));
    const activation = registry.activate("workload", "a", { timeoutMs: 1500 }).catch((x: unknown) => x);
    await timer.waitForPending();
    timer.fireAll();
    expect(((await activation) as Error).message).toBe("Plugin startup failed: WORKLOAD:a - startup() timed out after 1.5s");
  });
});

describe("lifecycle: activateAll and shutdownAll", () => {
  it("FR-015 SC-008: activates dependencies first and returns { TYPE:name: null } in that order", async () => {
    const log: string[] = [];
    const { registry } = registryWith(
      new TestWorkload("app", log, {}, ["db"]),
      new TestWorkload("db", log, {}, ["net"]),
      new TestWorkload("net", log),
    );
    const results = await registry.activateAll({ types: ["workload"] });
    expect(Object.entries(results)).toEqual([
      ["WORKLOAD:net", null],
      ["WORKLOAD:db", null],
      ["WORKLOAD:app", null],
    ]);
    expect(log).toEqual(["start net", "start db", "start app"]);
  });

  it("defect 1: shutdownAll runs in exact reverse activation order, then nothing is active", async () => {
    const log: string[] = [];
    const { registry } = registryWith(new TestWorkload("b", log), new TestWorkload("c", log), new TestWorkload("a", log));
    for (const name of ["c", "a", "b"]) await registry.activate("workload", name);
    expect(registry.activationOrder()).toEqual(["WORKLOAD:c", "WORKLOAD:a", "WORKLOAD:b"]);
    log.length = 0;
    const results = await registry.shutdownAll();
    expect(log).toEqual(["stop b", "stop a", "stop c"]);
    expect(Object.keys(results)).toEqual(["WORKLOAD:b", "WORKLOAD:a", "WORKLOAD:c"]);
    expect(registry.activationOrder()).toEqual([]);
    expect(registry.state("workload", "a")).toBe("inactive");
    expect(await registry.shutdownAll()).toEqual({});
  });

  it("FR-013: shutdownAll never throws; a throwing and a hung shutdown are recorded and the rest still run", async () => {
    const log: string[] = [];
    const { registry, timer, logger } = registryWith(
      new TestWorkload("first", log),
      new TestWorkload("throws", log, { shutdown: () => Promise.reject(new Error("busy")) }),
      new TestWorkload("hangs", log, { shutdown: () => new Promise(() => {}) }),
      new TestWorkload("last", log),
    );
    for (const name of ["first", "throws", "hangs", "last"]) await registry.activate("workload", name);
    log.length = 0;
    const done = registry.shutdownAll();
    await until(() => log.includes("stop hangs")); // its timer is scheduled before the hook runs
    timer.fireAll();
    const results = await done;
    expect(log).toEqual(["stop last", "stop hangs", "stop throws", "stop first"]);
    expect(results["WORKLOAD:last"]).toBeNull();
    expect(results["WORKLOAD:hangs"]!.message).toBe("shutdown() timed out after 30s");
    expect(results["WORKLOAD:throws"]!.message).toBe("busy");
    expect(results["WORKLOAD:first"]).toBeNull();
    expect(logger.records.filter((r) => r.event === "shutdown_all.failed")).toHaveLength(2);
  });

  it("defect 7: dependents of a failed plugin are not started and are reported as blocked by it", async () => {
    const log: string[] = [];
    const { registry } = registryWith(
      new TestWorkload("base", log, { startup: () => Promise.reject(new Error("no k6")) }),
      new TestWorkload("mid", log, {}, ["base"]),
      new TestWorkload("top", log, {}, ["mid"]),
      new TestWorkload("other", log),
    );
    const results = await registry.activateAll({ types: ["workload"] });
    expect(log).toEqual(["start base", "start other"]);
    expect(results["WORKLOAD:base"]).toBeInstanceOf(PluginStartupError);
    expect(results["WORKLOAD:other"]).toBeNull();
    expect(results["WORKLOAD:mid"]).toBeInstanceOf(PluginBlockedError);
    expect(results["WORKLOAD:mid"]!.message).toBe("Plugin blocked: WORKLOAD:mid - blocked by WORKLOAD:base");
    // The root cause is named, not just the direct dependency.
    expect(results["WORKLOAD:top"]!.message).toBe("Plugin blocked: WORKLOAD:top - blocked by WORKLOAD:base");
    expect(registry.state("workload", "top")).toBe("blocked");
    expect(registry.activationOrder()).toEqual(["WORKLOAD:other"]);
  });

  it("defect 8: plugins are keyed by (type, name) — equal names of two types are distinct nodes", async () => {
    const log: string[] = [];
    const { registry } = registryWith(new TestWorkload("duckdb", log, {}, ["compute:duckdb"]), new TestCompute("duckdb", log));
    const results = await registry.activateAll({ plugins: [key("workload", "duckdb")] });
    expect(Object.keys(results)).toEqual(["COMPUTE:duckdb", "WORKLOAD:duckdb"]);
    expect(log).toEqual(["start compute:duckdb", "start duckdb"]);
    await registry.shutdownAll();
    expect(log.slice(2)).toEqual(["stop duckdb", "stop compute:duckdb"]);
  });

  it("FR-015: a missing dependency throws before anything starts", async () => {
    const log: string[] = [];
    const { registry } = registryWith(new TestWorkload("a", log), new TestWorkload("b", log, {}, ["ghost"]));
    await expect(registry.activateAll({ types: ["workload"] })).rejects.toThrow(MissingDependencyError);
    await expect(registry.activateAll({ types: ["workload"] })).rejects.toThrow("Plugin 'b' has missing dependencies: ghost");
    expect(log).toEqual([]);
  });

  it("FR-016: a cycle throws before anything starts", async () => {
    const log: string[] = [];
    const { registry } = registryWith(new TestWorkload("a", log, {}, ["b"]), new TestWorkload("b", log, {}, ["a"]));
    await expect(registry.activateAll({ types: ["workload"] })).rejects.toThrow("Circular dependency: a -> b -> a");
    expect(log).toEqual([]);
  });

  it("without a selection, activateAll starts the loaded plugins", async () => {
    const log: string[] = [];
    const { registry } = registryWith(new TestWorkload("a", log), new TestCompute("c", log));
    expect(Object.keys(await registry.activateAll())).toEqual(["COMPUTE:c", "WORKLOAD:a"]);
  });

  it("a discovered plugin that fails to load is recorded, and blocks its dependents", async () => {
    const root = tempDir();
    writePluginPackage(root, "plugins/broken", { name: "broken", module: 'throw new Error("missing @duckdb/node-api");' });
    writePluginPackage(root, "plugins/user", { name: "user", manifest: { dependencies: ["broken"] }, body: 'dependencies = ["broken"];' });
    const registry = new PluginRegistry({ logger: new MemoryLogger() });
    registry.discover({ root, env: {} });
    const results = await registry.activateAll({ types: ["workload"] });
    expect(results["WORKLOAD:broken"]!.message).toContain("Plugin load failed: WORKLOAD:broken");
    expect(results["WORKLOAD:user"]!.message).toBe("Plugin blocked: WORKLOAD:user - blocked by WORKLOAD:broken");
    expect(registry.state("workload", "broken")).toBe("failed");
  });
});

describe("lifecycle: health", () => {
  it("FR-014: healthy by default; checks only loaded plugins", async () => {
    const { registry } = registryWith(new TestWorkload("a", []));
    const root = tempDir();
    writePluginPackage(root, "plugins/unloaded", { name: "unloaded" });
    registry.discover({ root, env: {} });
    expect(await registry.healthCheckAll()).toEqual({ "WORKLOAD:a": { state: "healthy", message: "", details: {} } });
  });

  it("SC-007: a hung health check becomes unhealthy at 5 s; a throwing one reports the exception; others are unaffected", async () => {
    const { registry, timer } = registryWith(
      new TestWorkload("hangs", [], { healthCheck: () => new Promise(() => {}) }),
      new TestWorkload("throws", [], {
        healthCheck: () => {
          throw new TypeError("socket closed");
        },
      }),
      new TestWorkload("degraded", [], { healthCheck: () => healthStatus("degraded", "slow", { p99: 2 }) }),
      new TestWorkload("junk", [], { healthCheck: () => ({ state: "fine" }) as unknown as HealthStatus }),
    );
    const done = registry.healthCheckAll();
    // Only the hung check is still pending once the others have answered.
    await until(() => timer.scheduled.length === 4 && timer.pending.size === 1);
    expect(timer.scheduled).toEqual([5000, 5000, 5000, 5000]);
    timer.fireAll();
    expect(await done).toEqual({
      "WORKLOAD:degraded": { state: "degraded", message: "slow", details: { p99: 2 } },
      "WORKLOAD:hangs": { state: "unhealthy", message: "health_check() timed out after 5s", details: {} },
      "WORKLOAD:junk": { state: "unhealthy", message: "health_check() returned an invalid status", details: {} },
      "WORKLOAD:throws": {
        state: "unhealthy",
        message: "health_check() raised exception: socket closed",
        details: { exceptionType: "TypeError" },
      },
    });
  });
});

describe("runHook", () => {
  it("turns a synchronous throw into a rejection and rejects invalid timeouts", async () => {
    await expect(runHook("startup", () => { throw new Error("sync"); }, { timeoutMs: 1000 })).rejects.toThrow("sync");
    await expect(runHook("startup", () => 1, { timeoutMs: 0 })).rejects.toThrow(RangeError);
    await expect(runHook("startup", () => 1, { timeoutMs: Number.POSITIVE_INFINITY })).rejects.toThrow(RangeError);
    await expect(runHook("startup", () => 7, { timeoutMs: 1000 })).resolves.toBe(7);
  });

  it("a late rejection of an abandoned hook is observed, never unhandled", async () => {
    const timer = new ManualTimer();
    const late = deferred();
    const settled: unknown[] = [];
    const run = runHook("startup", () => late.promise, { timeoutMs: 10, timer, onAbandonedSettle: (r) => settled.push(r) }).catch((e: unknown) => e);
    await timer.waitForPending();
    timer.fireAll();
    expect(await run).toBeInstanceOf(HookTimeoutError);
    const boom = new Error("late");
    late.reject(boom);
    await Promise.resolve();
    await Promise.resolve();
    expect(settled).toEqual([{ ok: false, error: boom }]);
  });
});
