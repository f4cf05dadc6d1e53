import { describe, expect, it } from "vitest";
import {
  CircularDependencyError,
  DuplicatePluginError,
  HookTimeoutError,
  MissingDependencyError,
  PluginConfigurationError,
  PluginError,
  PluginIncompatibleError,
  PluginNotFoundError,
  PluginStartupError,
  pluginLabel,
  pluginTypeLabel,
} from "../../src/index.ts";

describe("error messages (reference §3, exact)", () => {
  it("type names print as upper-case enum-like names", () => {
    expect(pluginTypeLabel("compute")).toBe("COMPUTE");
    expect(pluginLabel("workload", "peva-faas")).toBe("WORKLOAD:peva-faas");
  });

  it("FR-002 PluginNotFoundError", () => {
    const e = new PluginNotFoundError("compute", "duckdb");
    expect(e.message).toBe("Plugin not found: COMPUTE:duckdb");
    expect(e).toBeInstanceOf(PluginError);
    expect([e.pluginType, e.pluginName, e.name]).toEqual(["compute", "duckdb", "PluginNotFoundError"]);
  });

  it("FR-004 PluginIncompatibleError", () => {
    const e = new PluginIncompatibleError("duckdb", "2.0", "1.0");
    expect(e.message).toBe("Plugin 'duckdb' requires API v2.0, but platform provides v1.0");
    expect([e.requiredVersion, e.platformVersion]).toEqual(["2.0", "1.0"]);
  });

  it("FR-007 PluginConfigurationError lists every field", () => {
    const e = new PluginConfigurationError("duckdb", [
      { field: "nested.port", message: "Too small: expected number to be >=1", type: "too_small" },
      { field: "path", message: "Invalid input", type: "invalid_type" },
    ]);
    expect(e.message).toBe(
      "Configuration error for plugin 'duckdb': nested.port: Too small: expected number to be >=1 (too_small); path: Invalid input (invalid_type)",
    );
    expect(e.errors).toHaveLength(2);
  });

  it("FR-013 PluginStartupError with and without a cause", () => {
    expect(new PluginStartupError("compute", "duckdb").message).toBe("Plugin startup failed: COMPUTE:duckdb");
    const cause = new HookTimeoutError("startup", 30_000);
    const e = new PluginStartupError("compute", "duckdb", cause);
    expect(e.message).toBe("Plugin startup failed: COMPUTE:duckdb - startup() timed out after 30s");
    expect(e.cause).toBe(cause);
    expect(new PluginStartupError("compute", "x", "boom").message).toBe("Plugin startup failed: COMPUTE:x - boom");
  });

  it("FR-009 DuplicatePluginError", () => {
    expect(new DuplicatePluginError("compute", "duckdb", ["/a", "/b"]).message).toBe("Duplicate plugin: COMPUTE:duckdb");
  });

  it("FR-016 CircularDependencyError and MissingDependencyError", () => {
    expect(new CircularDependencyError(["a", "b", "a"]).message).toBe("Circular dependency: a -> b -> a");
    expect(new MissingDependencyError("a", ["b", "c"]).message).toBe("Plugin 'a' has missing dependencies: b, c");
  });
});
