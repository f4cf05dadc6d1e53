/**
 * What each plugin type's contract requires of an instance, as data. Abstract members are erased at run time,
 * so the loader checks loaded instances against these lists (plugins may be plain JavaScript), and the
 * contract tests pin the lists against the classes.
 */
import type { PluginType } from "../plugin-type.ts";
import type { CatalogPlugin } from "./catalog.ts";
import type { ComputePlugin } from "./compute.ts";
import type { LoadgenPlugin } from "./loadgen.ts";
import type { MemoryPlugin } from "./memory.ts";
import type { PlatformPlugin } from "./platform.ts";
import type { PolicyPlugin } from "./policy.ts";
import type { ProvisionerPlugin } from "./provisioner.ts";
import type { ReporterPlugin } from "./reporter.ts";
import type { SecretsPlugin } from "./secrets.ts";
import type { TelemetryPlugin } from "./telemetry.ts";
import type { WorkloadPlugin } from "./workload.ts";

/** Members a type's contract requires: data properties and methods. */
export interface ContractMembers {
  readonly properties: readonly string[];
  readonly methods: readonly string[];
}

/** Members every plugin has (the base class provides the hooks; `type` comes from the type's class). */
export const BASE_MEMBERS = {
  properties: ["type", "name", "version", "apiVersion"],
  methods: ["startup", "shutdown", "healthCheck"],
} as const satisfies ContractMembers;

/** Type-specific members, on top of {@link BASE_MEMBERS}. */
export const CONTRACT_MEMBERS = {
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
} as const satisfies Record<PluginType, ContractMembers>;

/** The contract class of each type, for typed `get(type, name)`. */
export interface PluginTypeMap {
  workload: WorkloadPlugin;
  platform: PlatformPlugin;
  provisioner: ProvisionerPlugin;
  loadgen: LoadgenPlugin;
  telemetry: TelemetryPlugin;
  memory: MemoryPlugin;
  policy: PolicyPlugin;
  compute: ComputePlugin;
  catalog: CatalogPlugin;
  secrets: SecretsPlugin;
  reporter: ReporterPlugin;
}

/** The contract class of type `T`. */
export type PluginOfType<T extends PluginType> = PluginTypeMap[T];

/**
 * Names of the members `value` lacks for type `type` (empty when it conforms). Properties must be defined;
 * methods must be functions.
 */
export function missingContractMembers(type: PluginType, value: object): string[] {
  const record = value as Record<string, unknown>;
  const missing: string[] = [];
  const contract = CONTRACT_MEMBERS[type];
  for (const p of [...BASE_MEMBERS.properties, ...contract.properties]) {
    if (record[p] === undefined) missing.push(p);
  }
  for (const m of [...BASE_MEMBERS.methods, ...contract.methods]) {
    if (typeof record[m] !== "function") missing.push(`${m}()`);
  }
  return missing;
}
