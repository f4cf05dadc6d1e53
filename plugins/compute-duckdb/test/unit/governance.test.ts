import { PluginRegistry, silentLogger } from "@peva-lab/core";
import { describe, expect, it } from "vitest";
import { buildStackConfigSchema } from "../../../../config/stack-config.ts";
import {
  availableComputePlugins,
  checkEnvironmentParity,
  compileTransforms,
  ComputeConfigurationError,
  ComputeError,
  ComputeRegistry,
  DEFAULT_COMPUTE_POLICY,
  DEFAULT_TRANSFORM,
  DuckDbComputePlugin,
  EnvironmentParityError,
  resolveTransformsCompute,
  validateComputeSelection,
  validateEnvironmentParity,
} from "../../src/index.ts";

/** The error `fn` throws, checked to be a ComputeConfigurationError. */
function thrown(fn: () => unknown): ComputeConfigurationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ComputeConfigurationError);
    return error as ComputeConfigurationError;
  }
  throw new Error("did not throw");
}

describe("ComputeRegistry (001-FR-010, 001-FR-011, 001-FR-017, SC-009)", () => {
  it("empty approved list", () => {
    const e = thrown(() => new ComputeRegistry([], "duckdb"));
    expect(e.message).toBe("Approved compute list cannot be empty");
    expect(e.pluginName).toBe("compute.approved");
  });

  it("default not approved", () => {
    const e = thrown(() => new ComputeRegistry(["duckdb", "spark"], "snowflake"));
    expect(e.message).toBe("Default compute 'snowflake' must be in approved list: ['duckdb', 'spark']");
    expect(e.pluginName).toBe("compute.default");
  });

  it("approved plugins not found: one aggregate error, also when every target is missing", () => {
    const some = thrown(() => new ComputeRegistry(["duckdb", "spark"], "duckdb", { available: ["duckdb"] }));
    expect(some.message).toBe("Approved compute plugins not found: ['spark']. Check that these plugins are installed and discoverable.");
    expect(some.pluginName).toBe("compute.approved");
    const all = thrown(() => new ComputeRegistry(["duckdb", "spark"], "duckdb", { available: [] }));
    expect(all.message).toBe("Approved compute plugins not found: ['duckdb', 'spark']. Check that these plugins are installed and discoverable.");
    expect(all.validationErrors).toEqual(["duckdb", "spark"]);
  });

  it("selection: default for none, the name when approved, the reference error otherwise", () => {
    const r = new ComputeRegistry(["duckdb", "spark"], "duckdb");
    expect(r.validateSelection()).toBe("duckdb");
    expect(r.validateSelection(null)).toBe("duckdb");
    expect(r.validateSelection("spark")).toBe("spark");
    const e = thrown(() => r.validateSelection("snowflake"));
    expect(e.message).toBe("Compute 'snowflake' is not in the approved list. Allowed computes: ['duckdb', 'spark']");
    expect(e.pluginName).toBe("snowflake");
    expect(r.isApproved("spark")).toBe(true);
    expect(r.isApproved("snowflake")).toBe(false);
    expect(r.default).toBe("duckdb");
    expect(r.getDefault()).toBe("duckdb");
  });

  it("approved returns a copy", () => {
    const r = new ComputeRegistry(["duckdb"], "duckdb");
    r.approved.push("spark");
    expect(r.approved).toEqual(["duckdb"]);
  });

  it("get() returns the framework's plugin for an approved selection and refuses others", async () => {
    const plugins = new PluginRegistry({ logger: silentLogger });
    const duckdb = new DuckDbComputePlugin({ logger: silentLogger });
    plugins.register(duckdb);
    expect(availableComputePlugins(plugins)).toEqual(["duckdb"]);
    const r = new ComputeRegistry(["duckdb"], "duckdb", { available: availableComputePlugins(plugins) });
    expect(await r.get(undefined, plugins)).toBe(duckdb);
    await expect(r.get("spark", plugins)).rejects.toThrow("Compute 'spark' is not in the approved list. Allowed computes: ['duckdb']");
  });
});

describe("createRestricted (001-FR-015, 001-FR-016)", () => {
  const enterprise = new ComputeRegistry(["duckdb", "spark", "snowflake"], "spark");

  it("a child list must be a subset of the parent's", () => {
    const e = thrown(() => enterprise.createRestricted(["duckdb", "bigquery", "trino"]));
    expect(e.message).toBe(
      "Compute targets ['bigquery', 'trino'] are not in the parent approved list. Parent allows: ['duckdb', 'spark', 'snowflake']",
    );
    expect(e.pluginName).toBe("compute.approved");
  });

  it("the child default: given, else the parent's when allowed, else the child's first", () => {
    expect(enterprise.createRestricted(["duckdb", "spark"], "duckdb").default).toBe("duckdb");
    expect(enterprise.createRestricted(["duckdb", "spark"]).default).toBe("spark");
    expect(enterprise.createRestricted(["snowflake", "duckdb"]).default).toBe("snowflake");
  });

  it("the child is re-validated: empty list, unapproved default, availability", () => {
    expect(thrown(() => enterprise.createRestricted([])).message).toBe("Approved compute list cannot be empty");
    expect(thrown(() => enterprise.createRestricted(["duckdb"], "spark")).message).toBe(
      "Default compute 'spark' must be in approved list: ['duckdb']",
    );
    const parent = new ComputeRegistry(["duckdb"], "duckdb", { available: ["duckdb"] });
    const child = parent.createRestricted(["duckdb"]);
    expect(child.approved).toEqual(["duckdb"]);
  });
});

describe("transforms and environment parity (001-FR-012, 001-FR-014, SC-005)", () => {
  const r = new ComputeRegistry(["duckdb", "spark"], "duckdb");

  it("resolves per-transform computes", () => {
    const ts = [{ name: "per_config" }, { name: "heavy", compute: "spark" }];
    expect(resolveTransformsCompute(ts, r)).toEqual({ per_config: "duckdb", heavy: "spark" });
    expect(compileTransforms(ts, r)).toEqual([
      { name: "per_config", compute: "duckdb" },
      { name: "heavy", compute: "spark" },
    ]);
  });

  it("reports each violation with environments sorted by name", () => {
    const errors = checkEnvironmentParity(
      {
        prod: [{ name: "per_config", compute: "spark" }, { name: "same" }],
        dev: [{ name: "per_config" }, { name: "same" }],
      },
      r,
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(EnvironmentParityError);
    expect(errors[0]).toBeInstanceOf(ComputeConfigurationError);
    expect(errors[0]!.message).toBe(
      "Environment parity violation for transform 'per_config': compute differs across environments (dev=duckdb, prod=spark). " +
        "Each transform must use the same compute in all environments.",
    );
    expect(errors[0]!.computes).toEqual({ dev: "duckdb", prod: "spark" });
  });

  it("defaults resolve per environment when each has its own registry", () => {
    const perEnv = { dev: new ComputeRegistry(["duckdb", "spark"], "duckdb"), prod: new ComputeRegistry(["duckdb", "spark"], "spark") };
    const errors = checkEnvironmentParity({ dev: [{ name: "t" }], prod: [{ name: "t" }] }, perEnv);
    expect(errors.map((e) => e.message)).toEqual([
      "Environment parity violation for transform 't': compute differs across environments (dev=duckdb, prod=spark). " +
        "Each transform must use the same compute in all environments.",
    ]);
  });

  it("an unapproved compute throws at once; validateEnvironmentParity throws the first violation", () => {
    expect(() => checkEnvironmentParity({ dev: [{ name: "t", compute: "snowflake" }] }, r)).toThrow(
      "Compute 'snowflake' is not in the approved list. Allowed computes: ['duckdb', 'spark']",
    );
    expect(() =>
      validateEnvironmentParity({ dev: [{ name: "b", compute: "spark" }, { name: "a", compute: "spark" }], prod: [{ name: "a" }, { name: "b" }] }, r),
    ).toThrow("Environment parity violation for transform 'a'");
    expect(() => validateEnvironmentParity({ dev: [{ name: "a" }], prod: [{ name: "a" }] }, r)).not.toThrow();
  });
});

describe("validateComputeSelection: governance wired to the stack config's `compute` section (defect 15, 001-FR-013)", () => {
  it("today's stack config (DuckDB only) passes the default policy", () => {
    const stack = buildStackConfigSchema([]).parse({});
    const result = validateComputeSelection({ local: stack.compute });
    expect(result).toEqual({ ok: true, issues: [], stacks: { local: { compute: "duckdb", transforms: {} } } });
    expect(DEFAULT_COMPUTE_POLICY).toEqual({ approved: ["duckdb"], default: "duckdb" });
  });

  it("an unapproved stack plugin is located at compute.plugin", () => {
    const result = validateComputeSelection({ dev: { plugin: "spark", threads: 4 } });
    expect(result.ok).toBe(false);
    expect(result.issues.map((i) => [i.stack, i.path, i.message])).toEqual([
      ["dev", ["compute", "plugin"], "Compute 'spark' is not in the approved list. Allowed computes: ['duckdb']"],
    ]);
  });

  it("a pinned transform must be approved", () => {
    const result = validateComputeSelection({ dev: { transforms: { per_config: "snowflake" } } }, { approved: ["duckdb", "spark"], default: "duckdb" });
    expect(result.issues.map((i) => [i.stack, i.path, i.message])).toEqual([
      ["dev", ["compute", "transforms", "per_config"], "Compute 'snowflake' is not in the approved list. Allowed computes: ['duckdb', 'spark']"],
    ]);
  });

  it("the policy itself: empty list, unapproved default, plugins not found, not a subset of the parent", () => {
    const one = (policy: Parameters<typeof validateComputeSelection>[1]) => {
      const r = validateComputeSelection({ dev: {} }, policy);
      expect(r.ok).toBe(false);
      return r.issues.map((i) => [i.stack, i.path, i.message]);
    };
    expect(one({ approved: [], default: "duckdb" })).toEqual([[undefined, ["approved"], "Approved compute list cannot be empty"]]);
    expect(one({ approved: ["duckdb"], default: "spark" })).toEqual([
      [undefined, ["default"], "Default compute 'spark' must be in approved list: ['duckdb']"],
    ]);
    expect(one({ approved: ["duckdb", "spark"], default: "duckdb", available: ["duckdb"] })).toEqual([
      [undefined, ["approved"], "Approved compute plugins not found: ['spark']. Check that these plugins are installed and discoverable."],
    ]);
    expect(one({ approved: ["duckdb", "trino"], default: "duckdb", parent: { approved: ["duckdb", "spark"], default: "duckdb" } })).toEqual([
      [undefined, ["approved"], "Compute targets ['trino'] are not in the parent approved list. Parent allows: ['duckdb', 'spark']"],
    ]);
  });

  it("parity across stacks: a transform pinned in one stack only differs from the other stack's default", () => {
    const policy = { approved: ["duckdb", "spark"], default: "duckdb" };
    const result = validateComputeSelection({ prod: { transforms: { heavy: "spark" } }, dev: {} }, policy);
    expect(result.issues.map((i) => [i.stack, i.path, i.message])).toEqual([
      [
        undefined,
        ["compute", "transforms", "heavy"],
        "Environment parity violation for transform 'heavy': compute differs across environments (dev=duckdb, prod=spark). " +
          "Each transform must use the same compute in all environments.",
      ],
    ]);
    expect(result.stacks).toEqual({ dev: { compute: "duckdb", transforms: { heavy: "duckdb" } }, prod: { compute: "duckdb", transforms: { heavy: "spark" } } });
  });

  it(`parity of the stacks' own compute: reported as transform '${DEFAULT_TRANSFORM}' (REQ-024)`, () => {
    const result = validateComputeSelection({ dev: { plugin: "duckdb" }, prod: { plugin: "spark" } }, { approved: ["duckdb", "spark"], default: "duckdb" });
    expect(result.issues.map((i) => [i.stack, i.path, i.message])).toEqual([
      [
        undefined,
        ["compute", "plugin"],
        "Environment parity violation for transform '*': compute differs across environments (dev=duckdb, prod=spark). " +
          "Each transform must use the same compute in all environments.",
      ],
    ]);
  });

  it("policy transforms are compared even when no stack names them; the same compute everywhere passes", () => {
    const policy = { approved: ["duckdb", "spark"], default: "duckdb", transforms: ["per_config"] };
    const same = validateComputeSelection({ dev: { transforms: { per_config: "spark" } }, prod: { transforms: { per_config: "spark" } } }, policy);
    expect(same.ok).toBe(true);
    expect(same.stacks["dev"]).toEqual({ compute: "duckdb", transforms: { per_config: "spark" } });
  });

  it("compute errors carry a correlation id when given", () => {
    const e = new ComputeConfigurationError("boom", { correlationId: "run-1", pluginName: "duckdb" });
    expect(e).toBeInstanceOf(ComputeError);
    expect(e.message).toBe("boom [correlation_id=run-1]");
    expect(String(e)).toBe("ComputeConfigurationError: boom [correlation_id=run-1]");
    expect(e.baseMessage).toBe("boom");
    expect(new ComputeError("plain").message).toBe("plain");
  });
});
