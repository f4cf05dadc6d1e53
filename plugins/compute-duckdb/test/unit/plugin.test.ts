import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  computeConfigSchema,
  missingContractMembers,
  PluginConfigurationError,
  PluginRegistry,
  silentLogger,
  WORKLOAD_PRESETS,
  WORKLOAD_SIZES,
  type WorkloadSize,
} from "@peva-lab/core";
import { describe, expect, it } from "vitest";
import { buildStackConfigSchema } from "../../../../config/stack-config.ts";
import {
  ATTACH_OPTION_KEYS,
  DBT_CORE_VERSION,
  DBT_DUCKDB_VERSION,
  dbtProfilesYaml,
  DuckDbComputePlugin,
  duckDbConfigSchema,
  LAB_STORAGE_COMPATIBILITY_VERSION,
} from "../../src/index.ts";
import PluginEntry from "../../src/plugin.ts";

const REPO = fileURLToPath(new URL("../../../../", import.meta.url));
const plugin = new DuckDbComputePlugin({ logger: silentLogger });

/** The `Configuration error …` message for `raw`, or a failure when it is accepted. */
function configError(raw: unknown): string {
  try {
    plugin.generateDbtProfile(raw as never);
  } catch (error) {
    expect(error).toBeInstanceOf(PluginConfigurationError);
    return (error as Error).message;
  }
  throw new Error(`accepted: ${JSON.stringify(raw)}`);
}

describe("DuckDbComputePlugin metadata (001-FR-001, 001-FR-004, 001-FR-005)", () => {
  it("has the reference metadata and is self-hosted", () => {
    expect(plugin.type).toBe("compute");
    expect(plugin.name).toBe("duckdb");
    expect(plugin.version).toBe("0.1.0");
    expect(plugin.apiVersion).toBe("1.0");
    expect(plugin.isSelfHosted).toBe(true);
    expect(plugin.configSchema).toBe(duckDbConfigSchema);
    expect(missingContractMembers("compute", plugin)).toEqual([]);
  });

  it("is the package's manifest entry, discovered and loaded by the framework registry (001-FR-003)", async () => {
    const registry = new PluginRegistry({ logger: silentLogger });
    registry.discover({ root: REPO, env: {} });
    const info = registry.info("compute", "duckdb");
    expect(info.packageName).toBe("@peva-lab/compute-duckdb");
    const loaded = await registry.get("compute", "duckdb");
    expect(loaded).toBeInstanceOf(PluginEntry);
    expect(registry.info("compute", "duckdb").error).toBeUndefined();
  });

  it("registers DuckDBConfig through configSchema: the registry applies its defaults (defect 2)", async () => {
    const registry = new PluginRegistry({ logger: silentLogger });
    registry.register(new DuckDbComputePlugin({ logger: silentLogger }));
    const config = await registry.configure("compute", "duckdb", {});
    expect(config).toEqual({
      plugin: "duckdb",
      timeoutSeconds: 3600,
      threads: 4,
      connection: {},
      credentials: {},
      path: ":memory:",
      memoryLimit: "4GB",
      storageCompatibilityVersion: "v1.5.0",
      extensions: [],
      attach: [],
      settings: {},
    });
    await expect(registry.configure("compute", "duckdb", { memoryLimit: "4 GB" })).rejects.toThrow(
      "Configuration error for plugin 'duckdb': memoryLimit: memory_limit must match ^\\d+(GB|MB)$, e.g. 4GB or 512MB (invalid_format)",
    );
  });

  it("accepts the engine settings of a stack config's `compute` section", () => {
    const stack = buildStackConfigSchema([]).parse({});
    const config = plugin.parseConfig({ threads: stack.compute.threads, memoryLimit: stack.compute.memoryLimit });
    expect(config).toMatchObject({ plugin: "duckdb", threads: stack.compute.threads, memoryLimit: stack.compute.memoryLimit });
  });
});

describe("generateDbtProfile (001-FR-008, 001-FR-006, 001-FR-009)", () => {
  it("an empty config gives an in-memory target with the memory limit in settings", () => {
    expect(plugin.generateDbtProfile({})).toEqual({
      type: "duckdb",
      path: ":memory:",
      threads: 4,
      settings: { memory_limit: "4GB" },
      config_options: { storage_compatibility_version: "v1.5.0" },
    });
  });

  it("defect 2: the typed fields are honoured (path, threads, memory_limit, extensions, attach, settings)", () => {
    const target = plugin.generateDbtProfile({
      path: "/data/analysis.duckdb",
      threads: 8,
      memoryLimit: "512MB",
      extensions: ["httpfs", "parquet"],
      settings: { preserve_insertion_order: false, enable_progress_bar: false },
      attach: [
        { path: "/data/peva_faas.duckdb", alias: "campaign", readOnly: true },
        { path: "/data/other.sqlite", alias: "other", type: "sqlite" },
        { path: "wh", alias: "ice", type: "iceberg", secret: "ice_secret", options: { endpoint: "http://polaris:8181/api/catalog" } },
      ],
    });
    expect(target).toEqual({
      type: "duckdb",
      path: "/data/analysis.duckdb",
      threads: 8,
      // memory_limit first, then the other settings sorted by name
      settings: { memory_limit: "512MB", enable_progress_bar: false, preserve_insertion_order: false },
      config_options: { storage_compatibility_version: "v1.5.0" },
      extensions: ["httpfs", "parquet"],
      attach: [
        { path: "/data/peva_faas.duckdb", alias: "campaign", read_only: true },
        { path: "/data/other.sqlite", alias: "other", type: "sqlite" },
        { path: "wh", alias: "ice", type: "iceberg", secret: "ice_secret", options: { endpoint: "http://polaris:8181/api/catalog" } },
      ],
    });
    expect(Object.keys(target.settings)).toEqual(["memory_limit", "enable_progress_bar", "preserve_insertion_order"]);
  });

  it("001-FR-020: timeoutSeconds is validated but not written (dbt-duckdb has no such key)", () => {
    const target = plugin.generateDbtProfile({ timeoutSeconds: 30 });
    expect(target).not.toHaveProperty("timeout_seconds");
    expect(configError({ timeoutSeconds: 0 })).toContain("timeoutSeconds:");
    expect(configError({ timeoutSeconds: 86_401 })).toContain("timeoutSeconds:");
    expect(() => plugin.generateDbtProfile({ timeoutSeconds: 86_400 })).not.toThrow();
  });

  it("accepts a generic ComputeConfig whose DuckDB keys are top-level", () => {
    const generic = computeConfigSchema.parse({ plugin: "duckdb", path: "/x.duckdb", memoryLimit: "2GB" });
    expect(plugin.generateDbtProfile(generic)).toMatchObject({ path: "/x.duckdb", settings: { memory_limit: "2GB" } });
  });

  it("rejects '..' path segments in the main and attached paths, and allows '..' inside a file name", () => {
    for (const path of ["../memory.duckdb", "/data/../etc/x.duckdb", "a\\..\\b.duckdb"]) {
      expect(configError({ path })).toContain("path: Database path must not contain '..' (path traversal)");
      expect(configError({ attach: [{ path, alias: "m" }] })).toContain("attach.0.path: Database path must not contain '..' (path traversal)");
    }
    expect(plugin.generateDbtProfile({ path: "/data/run..1.duckdb" }).path).toBe("/data/run..1.duckdb");
  });

  it("defect 11: memoryLimit must match ^\\d+(GB|MB)$ in full", () => {
    for (const bad of ["abcGB", "4gb", "4 GB", "4GB ", "4GiB", "GB", "4.5GB", "-1GB", "4TB"]) {
      expect(configError({ memoryLimit: bad }), bad).toContain("memoryLimit: memory_limit must match ^\\d+(GB|MB)$");
    }
    for (const good of ["4GB", "512MB", "16GB"]) expect(plugin.generateDbtProfile({ memoryLimit: good }).settings["memory_limit"]).toBe(good);
  });

  it("files dbt creates stay readable by the lab's DuckDB: the storage version follows the installed @duckdb/node-api", () => {
    const driver = JSON.parse(readFileSync(`${REPO}node_modules/@duckdb/node-api/package.json`, "utf8")) as { version: string };
    const [major, minor] = driver.version.split(".");
    expect(LAB_STORAGE_COMPATIBILITY_VERSION).toBe(`v${major}.${minor}.0`);
    expect(plugin.generateDbtProfile({ storageCompatibilityVersion: "latest" }).config_options).toEqual({ storage_compatibility_version: "latest" });
    expect(configError({ storageCompatibilityVersion: "1.5" })).toContain("storageCompatibilityVersion: must be a DuckDB version like v1.5.0, or latest");
  });

  it("threads must be within 1..64", () => {
    expect(configError({ threads: 0 })).toContain("threads:");
    expect(configError({ threads: 65 })).toContain("threads:");
    expect(configError({ threads: 1.5 })).toContain("threads:");
    expect(plugin.generateDbtProfile({ threads: 64 }).threads).toBe(64);
  });

  it("refuses what it would otherwise silently ignore or leave ambiguous", () => {
    expect(configError({ connection: { path: "/x.duckdb" } })).toContain(
      "connection: is not read by the duckdb plugin; use the typed fields path, memoryLimit, storageCompatibilityVersion, extensions, attach, settings",
    );
    expect(configError({ credentials: { token: "t" } })).toContain("credentials: is not used by the duckdb plugin");
    expect(configError({ settings: { storage_compatibility_version: "latest" } })).toContain(
      "settings.storage_compatibility_version: set it with the typed field 'storageCompatibilityVersion'",
    );
    expect(configError({ settings: { memory_limit: "1GB" } })).toContain("settings.memory_limit: set it with the typed field 'memoryLimit'");
    expect(configError({ bogus: 1 })).toContain("bogus: Unrecognized key");
    expect(configError({ plugin: "spark" })).toContain("plugin:");
    expect(configError({ extensions: ["httpfs", "httpfs"] })).toContain("extensions: extensions must not repeat");
    expect(configError({ extensions: ["HTTPFS; DROP"] })).toContain("extensions.0:");
  });

  it("attach: option keys are allow-listed with the reference message, values and paths cannot break quoting", () => {
    expect(configError({ attach: [{ path: "m.duckdb", alias: "m", options: { catalog_uri: "x" } }] })).toContain(
      `attach.0.options.catalog_uri: Invalid attach option key: 'catalog_uri'. Allowed keys: ['authorization_type', 'block_size', 'endpoint', 'schema', 'storage_version']`,
    );
    expect(ATTACH_OPTION_KEYS).toEqual(["authorization_type", "block_size", "endpoint", "schema", "storage_version"]);
    expect(configError({ attach: [{ path: "m.duckdb", alias: "m", options: { schema: "a' (TYPE x" } }] })).toContain(
      "attach.0.options.schema: must not contain quotes or line breaks",
    );
    expect(configError({ attach: [{ path: "it's.duckdb", alias: "m" }] })).toContain("attach.0.path: Attach path must not contain quotes");
    expect(configError({ attach: [{ path: "m.duckdb", alias: "1m" }] })).toContain("attach.0.alias: alias must be an SQL identifier");
    expect(configError({ attach: [{ path: "m.duckdb", alias: "memory" }] })).toContain("attach.0.alias: alias 'memory' is reserved by DuckDB");
    expect(configError({ attach: [{ path: "a.duckdb", alias: "m" }, { path: "b.duckdb", alias: "M" }] })).toContain(
      "attach.1.alias: alias 'M' is used twice",
    );
    expect(configError({ attach: [{ path: "a.duckdb", alias: "m", type: "mysql" }] })).toContain("attach.0.type:");
  });

  it("dbtProfilesYaml wraps the target in one profile and target; the body is JSON (valid YAML)", () => {
    const target = plugin.generateDbtProfile({ path: "/data/a.duckdb" });
    const text = dbtProfilesYaml(target, { profile: "peva", target: "lab" });
    expect(text.startsWith("# ")).toBe(true);
    expect(JSON.parse(text.slice(text.indexOf("\n") + 1))).toEqual({ peva: { target: "lab", outputs: { lab: target } } });
    expect(JSON.parse(dbtProfilesYaml(target).split("\n").slice(1).join("\n"))).toHaveProperty("peva_lab.target", "dev");
    expect(() => dbtProfilesYaml(target, { profile: "bad name" })).toThrow("Invalid dbt profile name: 'bad name'. Must be an identifier.");
  });
});

describe("getRequiredDbtPackages", () => {
  it("pins exactly what scripts/bootstrap installs into .tools/dbt", () => {
    const bootstrap = readFileSync(`${REPO}scripts/bootstrap`, "utf8");
    expect(bootstrap).toContain(`DBT_DUCKDB_VERSION=${DBT_DUCKDB_VERSION}\n`);
    expect(bootstrap).toContain(`DBT_CORE_VERSION=${DBT_CORE_VERSION}\n`);
    expect(plugin.getRequiredDbtPackages()).toEqual([`dbt-core==${DBT_CORE_VERSION}`, `dbt-duckdb==${DBT_DUCKDB_VERSION}`]);
  });
});

describe("getResourceRequirements", () => {
  it("defect 5: every size is the shared preset, ephemeral storage included", () => {
    for (const size of WORKLOAD_SIZES) expect(plugin.getResourceRequirements(size)).toEqual(WORKLOAD_PRESETS[size]);
    expect(plugin.getResourceRequirements("small")).toMatchObject({ ephemeralStorageRequest: "100Mi", ephemeralStorageLimit: "500Mi" });
    expect(plugin.getResourceRequirements("medium")).toMatchObject({ ephemeralStorageRequest: "500Mi", ephemeralStorageLimit: "2Gi" });
    expect(plugin.getResourceRequirements("large")).toMatchObject({ ephemeralStorageRequest: "1Gi", ephemeralStorageLimit: "5Gi" });
  });

  it("an unknown size raises the reference error", () => {
    expect(() => plugin.getResourceRequirements("huge" as WorkloadSize)).toThrow("Unknown workload size: huge. Valid sizes: large, medium, small");
  });
});
