/**
 * Contract tests: pin each plugin type's members and signatures (compute spec 001-SC-008: "the compliance suite
 * covers 100 % of the contract"). `tsc` checks the `expectTypeOf` assertions and the `@ts-expect-error` lines; vitest checks
 * the run-time member lists the loader relies on.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import {
  BASE_MEMBERS,
  type CatalogPlugin,
  ComputePlugin,
  CONTRACT_MEMBERS,
  type LoadgenPlugin,
  MemoryLogger,
  type MemoryPlugin,
  missingContractMembers,
  type PlatformPlugin,
  type Plugin,
  PLUGIN_TYPES,
  PluginRegistry,
  type PolicyPlugin,
  type ProvisionerPlugin,
  type ReporterPlugin,
  type SecretsPlugin,
  type TelemetryPlugin,
  WorkloadPlugin,
  type ComputeConfig,
  type ConnectionResult,
  type FunctionSpec,
  type HealthStatus,
  type HostSpec,
  type HostTransport,
  type IcebergCatalogConfig,
  type GeneratorIdentity,
  type LoadRequest,
  type LoadRun,
  type MetricQuery,
  type MetricSeries,
  type PlatformEndpoints,
  type PluginOfType,
  type PluginType,
  type PolicyDecision,
  type PolicyInput,
  type PreflightContext,
  type PreflightReport,
  type ReportArtifact,
  type ReportInput,
  type ResourceSpec,
  type RunRecord,
  type SettingsCheckContext,
  type SettingsIssue,
  type WorkloadPlan,
  type WorkloadSize,
} from "../../plugins/core/src/index.ts";
import { conformingPlugins, SleepWorkload } from "../fixtures/plugins/contract/conforming.ts";

describe("plugin contracts", () => {
  it("FR-012 base contract: metadata members, defaults and hook signatures", () => {
    expect(BASE_MEMBERS).toEqual({
      properties: ["type", "name", "version", "apiVersion"],
      methods: ["startup", "shutdown", "healthCheck"],
    });
    expectTypeOf<Plugin["type"]>().toEqualTypeOf<PluginType>();
    expectTypeOf<Plugin["name"]>().toEqualTypeOf<string>();
    expectTypeOf<Plugin["version"]>().toEqualTypeOf<string>();
    expectTypeOf<Plugin["apiVersion"]>().toEqualTypeOf<string>();
    expectTypeOf<Plugin["description"]>().toEqualTypeOf<string>();
    expectTypeOf<Plugin["dependencies"]>().toEqualTypeOf<readonly string[]>();
    expectTypeOf<Plugin["requiredExtras"]>().toEqualTypeOf<readonly string[]>();
    expectTypeOf<Plugin["requiredTools"]>().toEqualTypeOf<readonly string[]>();
    expectTypeOf<Plugin<{ a: number }>["configSchema"]>().toEqualTypeOf<z.ZodType<{ a: number }> | undefined>();
    expectTypeOf<Plugin<{ a: number }>["configure"]>().toEqualTypeOf<(config: { a: number }) => void>();
    expectTypeOf<Plugin["startup"]>().toEqualTypeOf<(signal: AbortSignal) => Promise<void> | void>();
    expectTypeOf<Plugin["shutdown"]>().toEqualTypeOf<() => Promise<void> | void>();
    expectTypeOf<Plugin["healthCheck"]>().toEqualTypeOf<() => Promise<HealthStatus> | HealthStatus>();

    const p = new SleepWorkload();
    expect(p.description).toBe("");
    expect(p.dependencies).toEqual([]);
    expect(p.requiredExtras).toEqual([]);
    expect(p.isConfigured).toBe(false);
    expect(p.healthCheck()).toEqual({ state: "healthy", message: "", details: {} });
  });

  it("a workload's settings check is optional: the default finds nothing", async () => {
    const issues = await new SleepWorkload().checkSettings({ seconds: 1 } as never, { projectDir: "/p", platform: "local", scrapeIntervalSeconds: 1 });
    expect(issues).toEqual([]);
  });

  it("every type has a contract class and a pinned member list (compute 001-FR-001: the five compute members)", () => {
    expect(Object.keys(CONTRACT_MEMBERS)).toEqual([...PLUGIN_TYPES]);
    expect(CONTRACT_MEMBERS).toEqual({
      workload: { properties: [], methods: ["preflight", "plan"] },
      platform: { properties: [], methods: ["endpoints", "queriesFile"] },
      provisioner: { properties: [], methods: ["hosts", "transport"] },
      loadgen: { properties: [], methods: ["probe", "start"] },
      telemetry: { properties: [], methods: ["query"] },
      memory: { properties: [], methods: ["has", "record", "checkpoint"] },
      policy: { properties: [], methods: ["decide"] },
      compute: {
        properties: ["isSelfHosted"],
        methods: ["generateDbtProfile", "getRequiredDbtPackages", "validateConnection", "getResourceRequirements"],
      },
      catalog: { properties: [], methods: ["functions"] },
      secrets: { properties: [], methods: ["getSecret", "setSecret", "listSecrets"] },
      reporter: { properties: [], methods: ["report"] },
    });
  });

  it("every listed member exists on its contract class (type level)", () => {
    type Listed<T extends PluginType> =
      | (typeof CONTRACT_MEMBERS)[T]["properties"][number]
      | (typeof CONTRACT_MEMBERS)[T]["methods"][number]
      | (typeof BASE_MEMBERS)["properties"][number]
      | (typeof BASE_MEMBERS)["methods"][number];
    // `Listed<T>` must be a subset of the class's keys, or these do not compile.
    expectTypeOf<Listed<"workload">>().toExtend<keyof WorkloadPlugin>();
    expectTypeOf<Listed<"platform">>().toExtend<keyof PlatformPlugin>();
    expectTypeOf<Listed<"provisioner">>().toExtend<keyof ProvisionerPlugin>();
    expectTypeOf<Listed<"loadgen">>().toExtend<keyof LoadgenPlugin>();
    expectTypeOf<Listed<"telemetry">>().toExtend<keyof TelemetryPlugin>();
    expectTypeOf<Listed<"memory">>().toExtend<keyof MemoryPlugin>();
    expectTypeOf<Listed<"policy">>().toExtend<keyof PolicyPlugin>();
    expectTypeOf<Listed<"compute">>().toExtend<keyof ComputePlugin>();
    expectTypeOf<Listed<"catalog">>().toExtend<keyof CatalogPlugin>();
    expectTypeOf<Listed<"secrets">>().toExtend<keyof SecretsPlugin>();
    expectTypeOf<Listed<"reporter">>().toExtend<keyof ReporterPlugin>();
    expectTypeOf<PluginOfType<"compute">>().toEqualTypeOf<ComputePlugin>();
  });

  it("type-specific signatures are pinned", () => {
    expectTypeOf<WorkloadPlugin["type"]>().toEqualTypeOf<"workload">();
    expectTypeOf<WorkloadPlugin["preflight"]>().toEqualTypeOf<(context: PreflightContext) => Promise<PreflightReport>>();
    expectTypeOf<WorkloadPlugin<{ n: number }>["plan"]>().toEqualTypeOf<(config: { n: number }) => WorkloadPlan>();
    expectTypeOf<WorkloadPlugin<{ n: number }>["checkSettings"]>().toEqualTypeOf<
      (config: { n: number }, context: SettingsCheckContext) => Promise<readonly SettingsIssue[]>
    >();
    expectTypeOf<PlatformPlugin["endpoints"]>().toEqualTypeOf<() => PlatformEndpoints>();
    expectTypeOf<PlatformPlugin["queriesFile"]>().toEqualTypeOf<() => string>();
    expectTypeOf<ProvisionerPlugin["hosts"]>().toEqualTypeOf<() => readonly HostSpec[]>();
    expectTypeOf<ProvisionerPlugin["transport"]>().toEqualTypeOf<() => HostTransport>();
    expectTypeOf<LoadgenPlugin["type"]>().toEqualTypeOf<"loadgen">();
    expectTypeOf<LoadgenPlugin["probe"]>().toEqualTypeOf<(path: readonly string[]) => Promise<GeneratorIdentity>>();
    expectTypeOf<LoadgenPlugin["start"]>().toEqualTypeOf<(request: LoadRequest) => LoadRun>();
    expectTypeOf<TelemetryPlugin["query"]>().toEqualTypeOf<(request: MetricQuery, signal?: AbortSignal) => Promise<readonly MetricSeries[]>>();
    expectTypeOf<MemoryPlugin["has"]>().toEqualTypeOf<(configId: string) => Promise<boolean>>();
    expectTypeOf<MemoryPlugin["record"]>().toEqualTypeOf<(record: RunRecord) => Promise<void>>();
    expectTypeOf<MemoryPlugin["checkpoint"]>().toEqualTypeOf<() => Promise<void>>();
    expectTypeOf<PolicyPlugin["decide"]>().toEqualTypeOf<(input: PolicyInput) => PolicyDecision>();
    expectTypeOf<ComputePlugin["isSelfHosted"]>().toEqualTypeOf<boolean>();
    expectTypeOf<ComputePlugin["generateDbtProfile"]>().toEqualTypeOf<(config: ComputeConfig) => Record<string, unknown>>();
    expectTypeOf<ComputePlugin["getRequiredDbtPackages"]>().toEqualTypeOf<() => readonly string[]>();
    expectTypeOf<ComputePlugin["validateConnection"]>().toEqualTypeOf<(config: ComputeConfig) => Promise<ConnectionResult>>();
    expectTypeOf<ComputePlugin["getResourceRequirements"]>().toEqualTypeOf<(size: WorkloadSize) => ResourceSpec>();
    expectTypeOf<ComputePlugin["getCatalogAttachmentSql"]>().toEqualTypeOf<(catalog: IcebergCatalogConfig) => readonly string[] | undefined>();
    expectTypeOf<CatalogPlugin["functions"]>().toEqualTypeOf<() => readonly FunctionSpec[]>();
    expectTypeOf<SecretsPlugin["getSecret"]>().toEqualTypeOf<(key: string) => Promise<string | undefined>>();
    expectTypeOf<SecretsPlugin["setSecret"]>().toEqualTypeOf<(key: string, value: string) => Promise<void>>();
    expectTypeOf<SecretsPlugin["listSecrets"]>().toEqualTypeOf<(prefix?: string) => Promise<readonly string[]>>();
    expectTypeOf<ReporterPlugin["report"]>().toEqualTypeOf<(input: ReportInput) => Promise<readonly ReportArtifact[]>>();
  });

  it("a conforming fixture of every type has every listed member and registers", () => {
    const registry = new PluginRegistry({ logger: new MemoryLogger() });
    for (const [type, plugin] of Object.entries(conformingPlugins())) {
      expect(plugin.type).toBe(type);
      expect(missingContractMembers(type as PluginType, plugin)).toEqual([]);
      registry.register(plugin);
    }
    expect(Object.values(registry.listAll()).every((names) => names.length === 1)).toBe(true);
  });

  it("a class missing an abstract member does not compile, and the loader's check names the member", () => {
    // @ts-expect-error — a workload without plan() is not a WorkloadPlugin
    class NoPlan extends WorkloadPlugin {
      readonly name = "no-plan";
      readonly version = "0.1.0";
      readonly apiVersion = "1.0";
      async preflight(): Promise<PreflightReport> {
        return { ok: true, missing: [] };
      }
    }
    // @ts-expect-error — a compute plugin must say whether it is self-hosted
    class NoSelfHosted extends ComputePlugin {
      readonly name = "no-self-hosted";
      readonly version = "0.1.0";
      readonly apiVersion = "1.0";
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
    expect(missingContractMembers("workload", new NoPlan())).toEqual(["plan()"]);
    expect(missingContractMembers("compute", new NoSelfHosted())).toEqual(["isSelfHosted"]);
  });

  it("compute getResourceRequirements defaults to the shared presets (defect 5)", () => {
    const compute = conformingPlugins().compute;
    expect(compute.getResourceRequirements("small").ephemeralStorageLimit).toBe("500Mi");
    expect(compute.getResourceRequirements("large").ephemeralStorageRequest).toBe("1Gi");
    expect(() => compute.getResourceRequirements("huge" as WorkloadSize)).toThrow(
      "Unknown workload size: huge. Valid sizes: large, medium, small",
    );
    expect(compute.getCatalogAttachmentSql({ catalogUri: "http://x", catalogName: "ice", credentials: {} })).toBeUndefined();
  });
});
