import { describe, expect, it } from "vitest";
import { DuckDbComputePlugin } from "../../../compute-duckdb/src/index.ts";
import { buildStackConfigSchema } from "../../../../config/stack-config.ts";
import {
  PluginRegistry,
  silentLogger,
  availableComputePlugins,
  checkEnvironmentParity,
  compileTransforms,
  ComputeConfigurationError,
  ComputeError,
  ComputeRegistry,
  DEFAULT_COMPUTE_POLICY,
  DEFAULT_TRANSFORM,
  EnvironmentParityError,
  resolveTransformsCompute,
  validateComputeSelection,
  validateEnvironmentParity,
  type ComputePolicy,
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

/** A one-level policy approving `approved` with `default`. */
const policyOf = (approved: string[], dflt: string, more: Partial<ComputePolicy> = {}): ComputePolicy => ({ levels: [{ scope: "enterprise", approved, default: dflt }], ...more });
const located = (r: ReturnType<typeof validateComputeSelection>) => r.issues.map((i) => [i.stack ?? i.scope, i.path, i.message]);

describe("validateComputeSelection: governance wired to the stack config's `compute` section (defect 15, 001-FR-013)", () => {
  it("today's stack config (DuckDB only) passes the default policy", () => {
    const stack = buildStackConfigSchema([]).parse({});
    const result = validateComputeSelection({ local: stack.compute });
    expect(result).toEqual({ ok: true, issues: [], stacks: { local: { approved: ["duckdb"], compute: "duckdb", transforms: {} } } });
    expect(DEFAULT_COMPUTE_POLICY.levels).toEqual([{ scope: "default policy", approved: ["duckdb"], default: "duckdb" }]);
  });

  it("an unapproved stack default is located at compute.default", () => {
    const result = validateComputeSelection({ dev: { default: "spark", threads: 4 } });
    expect(result.ok).toBe(false);
    expect(located(result)).toEqual([["dev", ["compute", "default"], "Compute 'spark' is not in the approved list. Allowed computes: ['duckdb']"]]);
  });

  it("a stack may only narrow: its approved list must be a subset, its default in it", () => {
    const policy = policyOf(["duckdb", "spark"], "duckdb");
    expect(located(validateComputeSelection({ dev: { approved: ["duckdb", "trino"] } }, policy))).toEqual([
      ["dev", ["compute", "approved"], "Compute targets ['trino'] are not in the parent approved list. Parent allows: ['duckdb', 'spark']"],
    ]);
    expect(located(validateComputeSelection({ dev: { approved: ["spark"], default: "duckdb" } }, policy))).toEqual([
      ["dev", ["compute", "default"], "Default compute 'duckdb' must be in approved list: ['spark']"],
    ]);
    // Narrowed to spark alone, the stack's default becomes spark.
    expect(validateComputeSelection({ dev: { approved: ["spark"] } }, policy).stacks["dev"]).toEqual({ approved: ["spark"], compute: "spark", transforms: {} });
  });

  it("a pinned transform must be approved in the stack's own (narrowed) list", () => {
    const result = validateComputeSelection({ dev: { transforms: { per_config: "snowflake" } } }, policyOf(["duckdb", "spark"], "duckdb"));
    expect(located(result)).toEqual([
      ["dev", ["compute", "transforms", "per_config"], "Compute 'snowflake' is not in the approved list. Allowed computes: ['duckdb', 'spark']"],
    ]);
    const narrowed = validateComputeSelection({ dev: { approved: ["duckdb"], transforms: { per_config: "spark" } } }, policyOf(["duckdb", "spark"], "duckdb"));
    expect(located(narrowed)).toEqual([["dev", ["compute", "transforms", "per_config"], "Compute 'spark' is not in the approved list. Allowed computes: ['duckdb']"]]);
  });

  it("each policy level: empty list, unapproved default, plugins not found, a domain that widens the enterprise list", () => {
    const one = (policy: ComputePolicy) => {
      const r = validateComputeSelection({ dev: {} }, policy);
      expect(r.ok).toBe(false);
      return located(r);
    };
    expect(one(policyOf([], "duckdb"))).toEqual([["enterprise", ["approved"], "Approved compute list cannot be empty"]]);
    expect(one(policyOf(["duckdb"], "spark"))).toEqual([["enterprise", ["default"], "Default compute 'spark' must be in approved list: ['duckdb']"]]);
    expect(one(policyOf(["duckdb", "spark"], "duckdb", { available: ["duckdb"] }))).toEqual([
      ["enterprise", ["approved"], "Approved compute plugins not found: ['spark']. Check that these plugins are installed and discoverable."],
    ]);
    const widened: ComputePolicy = {
      levels: [
        { scope: "enterprise", approved: ["duckdb", "spark"], default: "duckdb" },
        { scope: "domain", approved: ["duckdb", "trino"] },
      ],
    };
    expect(one(widened)).toEqual([["domain", ["approved"], "Compute targets ['trino'] are not in the parent approved list. Parent allows: ['duckdb', 'spark']"]]);
    expect(one({ levels: [] })).toEqual([["policy", ["approved"], "Approved compute list cannot be empty"]]);
  });

  it("a domain level narrows what every stack may choose, and its default applies", () => {
    const policy: ComputePolicy = {
      levels: [
        { scope: "enterprise", approved: ["duckdb", "spark"], default: "duckdb" },
        { scope: "domain", approved: ["spark"] },
      ],
    };
    expect(validateComputeSelection({ dev: {} }, policy).stacks["dev"]).toEqual({ approved: ["spark"], compute: "spark", transforms: {} });
    expect(located(validateComputeSelection({ dev: { default: "duckdb" } }, policy))).toEqual([
      ["dev", ["compute", "default"], "Compute 'duckdb' is not in the approved list. Allowed computes: ['spark']"],
    ]);
  });

  it("parity across stacks: a transform pinned in one stack only differs from the other stack's default", () => {
    const result = validateComputeSelection({ prod: { transforms: { heavy: "spark" } }, dev: {} }, policyOf(["duckdb", "spark"], "duckdb"));
    expect(located(result)).toEqual([
      [
        undefined,
        ["compute", "transforms", "heavy"],
        "Environment parity violation for transform 'heavy': compute differs across environments (dev=duckdb, prod=spark). " +
          "Each transform must use the same compute in all environments.",
      ],
    ]);
    expect(result.stacks["prod"]).toEqual({ approved: ["duckdb", "spark"], compute: "duckdb", transforms: { heavy: "spark" } });
  });

  it(`parity of the stacks' own default: reported as transform '${DEFAULT_TRANSFORM}' (REQ-024)`, () => {
    const result = validateComputeSelection({ dev: { default: "duckdb" }, prod: { default: "spark" } }, policyOf(["duckdb", "spark"], "duckdb"));
    expect(located(result)).toEqual([
      [
        undefined,
        ["compute", "default"],
        "Environment parity violation for transform '*': compute differs across environments (dev=duckdb, prod=spark). " +
          "Each transform must use the same compute in all environments.",
      ],
    ]);
  });

  it("policy transforms are compared even when no stack names them; the same compute everywhere passes", () => {
    const policy = policyOf(["duckdb", "spark"], "duckdb", { transforms: ["per_config"] });
    const same = validateComputeSelection({ dev: { transforms: { per_config: "spark" } }, prod: { transforms: { per_config: "spark" } } }, policy);
    expect(same.ok).toBe(true);
    expect(same.stacks["dev"]).toEqual({ approved: ["duckdb", "spark"], compute: "duckdb", transforms: { per_config: "spark" } });
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
