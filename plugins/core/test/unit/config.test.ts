import { describe, expect, it } from "vitest";
import { z } from "zod";
import { configFieldErrors, MemoryLogger, PluginConfigurationError, PluginRegistry, validatePluginConfig } from "../../src/index.ts";
import { SleepWorkload } from "../../../../test/fixtures/plugins/contract/conforming.ts";

const schema = z
  .object({
    path: z.string().min(1),
    threads: z.int().min(1).max(64).default(4),
    nested: z.object({ port: z.int().min(1), host: z.string().default("127.0.0.1") }).strict(),
  })
  .strict();

describe("config validation", () => {
  it("FR-006 FR-008: valid config is parsed and defaults are applied", () => {
    expect(validatePluginConfig("p", schema, { path: "/x", nested: { port: 80 } })).toEqual({
      path: "/x",
      threads: 4,
      nested: { port: 80, host: "127.0.0.1" },
    });
  });

  it("FR-007 SC-003: every invalid field is named by its dotted path, with the rule's message and kind", () => {
    let error: unknown;
    try {
      validatePluginConfig("duckdb", schema, { path: "", threads: 0, nested: { port: "80", extra: 1 }, bogus: true });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PluginConfigurationError);
    const e = error as PluginConfigurationError;
    expect(e.pluginName).toBe("duckdb");
    expect(e.errors.map((x) => [x.field, x.type])).toEqual([
      ["path", "too_small"],
      ["threads", "too_small"],
      ["nested.port", "invalid_type"],
      ["nested.extra", "unrecognized_keys"],
      ["bogus", "unrecognized_keys"],
    ]);
    expect(e.errors.every((x) => x.message.length > 0)).toBe(true);
    expect(e.message).toMatch(/^Configuration error for plugin 'duckdb': path: .+ \(too_small\); threads: .+; nested\.port: .+; nested\.extra: Unrecognized key \(unrecognized_keys\); bogus: Unrecognized key \(unrecognized_keys\)$/);
  });

  it("a root-level failure is reported as (root)", () => {
    const e = (() => {
      try {
        validatePluginConfig("p", schema, "not an object");
      } catch (x) {
        return x as PluginConfigurationError;
      }
      throw new Error("expected a throw");
    })();
    expect(e.errors[0]).toMatchObject({ field: "", type: "invalid_type" });
    expect(e.message).toContain("(root): ");
  });

  it("without a schema the raw value is stored as is", () => {
    expect(validatePluginConfig("p", undefined, { anything: 1 })).toEqual({ anything: 1 });
  });

  it("configFieldErrors maps zod issues one to one (plus one per unknown key)", () => {
    const r = z.object({ a: z.string() }).strict().safeParse({ a: 1, b: 2, c: 3 });
    expect(r.success).toBe(false);
    expect(configFieldErrors(r.error!).map((x) => x.field)).toEqual(["a", "b", "c"]);
  });

  it("FR-006 FR-008: registry.configure validates, stores and pushes the config to the plugin", async () => {
    const registry = new PluginRegistry({ logger: new MemoryLogger() });
    const plugin = new SleepWorkload();
    registry.register(plugin);
    expect(registry.getConfig("workload", "sleep")).toBeUndefined();
    await expect(registry.configure("workload", "sleep", {})).resolves.toEqual({ seconds: 10 });
    expect(registry.getConfig("workload", "sleep")).toEqual({ seconds: 10 });
    expect(plugin.config).toEqual({ seconds: 10 });
    expect(plugin.isConfigured).toBe(true);
    expect(registry.info("workload", "sleep").configured).toBe(true);
    await expect(registry.configure("workload", "sleep", { seconds: 0 })).rejects.toThrow(
      /^Configuration error for plugin 'sleep': seconds: .* \(too_small\)$/,
    );
    expect(plugin.config).toEqual({ seconds: 10 }); // a rejected config is not pushed
  });

  it("configure of an unknown plugin raises PluginNotFoundError", async () => {
    const registry = new PluginRegistry({ logger: new MemoryLogger() });
    await expect(registry.configure("workload", "nope", {})).rejects.toThrow("Plugin not found: WORKLOAD:nope");
  });
});
