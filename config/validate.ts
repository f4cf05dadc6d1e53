/**
 * Turns the raw Pulumi config map into a validated {@link StackConfig}, or into the complete list of errors, each
 * as `peva-lab:<dotted.path>: <message>`. Pure: the caller supplies the raw map and which keys are secrets.
 */
import { quoteText, type SettingsCheckContext, type SettingsIssue } from "@peva-lab/core";
import type { z } from "zod";
import { buildStackConfigSchema, CONFIG_NAMESPACE, SECRET_KEYS, type StackConfig } from "./stack-config.ts";

/** What the validator needs to know about one plugin. */
export interface PluginConfigInfo {
  /** Plugin name, e.g. `peva-faas`. */
  readonly name: string;
  /** Plugin type, e.g. `workload`, `loadgen`; unset means a type whose settings the stack config never carries. */
  readonly type?: string;
  /** The plugin's settings schema, when it has one. */
  readonly settingsSchema?: z.ZodType;
  /** A workload's checks of its (schema-valid) settings against the planned lab; see `WorkloadPlugin.checkSettings`. */
  readonly checkSettings?: (settings: unknown, context: SettingsCheckContext) => Promise<readonly SettingsIssue[]>;
}

/** Keys of a workload's `loadgen` block that the workload reads itself; the rest belong to the generator. */
const WORKLOAD_LOADGEN_KEYS = new Set(["type", "request_timeout"]);

/** Result of {@link validateStackConfig}. */
export type StackConfigResult =
  | { readonly ok: true; readonly config: StackConfig; readonly secretKeys: ReadonlySet<string> }
  | { readonly ok: false; readonly errors: readonly string[] };

/**
 * Validates the raw config map (`"peva-lab:key" -> string` as Pulumi hands it to the program).
 * @param raw every config key of the stack, namespaced (other namespaces are ignored)
 * @param secretKeys the namespaced keys Pulumi marks as secret
 * @param plugins the plugins the registry knows, with their settings schemas
 */
export function validateStackConfig(
  raw: Readonly<Record<string, string>>,
  secretKeys: readonly string[],
  plugins: readonly PluginConfigInfo[],
): StackConfigResult {
  const errors: string[] = [];
  const values: Record<string, unknown> = {};
  const secrets = new Set<string>();
  const prefix = `${CONFIG_NAMESPACE}:`;
  for (const [key, text] of Object.entries(raw)) {
    if (!key.startsWith(prefix)) continue;
    const name = key.slice(prefix.length);
    // Credentials stay strings even when they look like numbers; everything else is JSON when it parses.
    values[name] = (SECRET_KEYS as readonly string[]).includes(name) ? text : parseConfigValue(text);
    if (secretKeys.includes(key)) secrets.add(name);
  }
  for (const name of SECRET_KEYS) {
    if (name in values && !secrets.has(name)) {
      errors.push(
        `${prefix}${name}: must be a secret; set it with \`pulumi config set --secret ${prefix}${name} <value>\``,
      );
    }
  }

  const schema = buildStackConfigSchema(plugins.map((p) => p.name));
  const parsed = schema.safeParse(values);
  if (!parsed.success) errors.push(...formatIssues(parsed.error.issues, []));
  // Workload settings are checked by their plugin's schema even when the rest of the config is wrong, so one run
  // reports every error. Validated here so a bad setting fails before any resource exists; the settings travel
  // to the runner as written (the runner applies the same schema), which keeps campaign diffs minimal.
  const rawWorkloads = values["workloads"];
  if (rawWorkloads && typeof rawWorkloads === "object" && !Array.isArray(rawWorkloads)) {
    for (const [name, workload] of Object.entries(rawWorkloads as Record<string, unknown>)) {
      const settingsSchema = plugins.find((p) => p.name === name)?.settingsSchema;
      if (!settingsSchema || !workload || typeof workload !== "object") continue;
      const settings = settingsSchema.safeParse((workload as { settings?: unknown }).settings ?? {});
      if (!settings.success) errors.push(...formatIssues(settings.error.issues, ["workloads", name, "settings"]));
      else errors.push(...loadgenErrors(settings.data, ["workloads", name, "settings", "loadgen"], plugins));
    }
  }
  if (!parsed.success || errors.length > 0) return { ok: false, errors };
  return { ok: true, config: parsed.data, secretKeys: secrets };
}

/**
 * A workload's `loadgen` block names a `loadgen` plugin (`type`); the generator's own keys are checked by that
 * plugin's schema here, so a typo in them fails before any resource exists, as every other setting does.
 */
function loadgenErrors(settings: unknown, path: readonly PropertyKey[], plugins: readonly PluginConfigInfo[]): string[] {
  if (settings === null || typeof settings !== "object") return [];
  const block = (settings as Record<string, unknown>)["loadgen"];
  if (block === null || typeof block !== "object") return [];
  const type = (block as Record<string, unknown>)["type"];
  if (typeof type !== "string") return [];
  const generators = plugins.filter((p) => p.type === "loadgen");
  const generator = generators.find((p) => p.name === type);
  if (!generator) {
    const known = generators.map((p) => p.name).sort().join(", ") || "(none)";
    return [`${CONFIG_NAMESPACE}:${dotted([...path, "type"])}: unknown load generator ${quoteText(type)}; known load generators: ${known}`];
  }
  if (!generator.settingsSchema) return [];
  const own = Object.fromEntries(Object.entries(block).filter(([k]) => !WORKLOAD_LOADGEN_KEYS.has(k)));
  const parsed = generator.settingsSchema.safeParse(own);
  return parsed.success ? [] : formatIssues(parsed.error.issues, path);
}

/**
 * Why the stack name cannot be used, or `undefined`. It becomes a directory (`<output.dir>/<stack>`) and the start
 * of run ids: Pulumi allows `.` and `..` as names, which would point the output elsewhere.
 */
export function stackNameProblem(stack: string): string | undefined {
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(stack)) return `stack name ${quoteText(stack)}: only letters, digits, '_', '.' and '-' (1-100 characters)`;
  if (/^\.+$/.test(stack)) return `stack name '${stack}': must not consist of dots only (it names the directory output/<stack>)`;
  return undefined;
}

/**
 * Runs every enabled workload's own checks of its settings against the planned lab (after {@link validateStackConfig}
 * accepted the config): the errors, as `peva-lab:workloads.<name>.settings.<path>: <message>`.
 */
export async function checkWorkloadSettings(
  config: StackConfig,
  plugins: readonly PluginConfigInfo[],
  context: SettingsCheckContext,
): Promise<string[]> {
  const errors: string[] = [];
  for (const [name, workload] of Object.entries(config.workloads)) {
    const check = plugins.find((p) => p.name === name)?.checkSettings;
    if (!workload.enabled || !check) continue;
    for (const issue of await check(workload.settings, context)) {
      errors.push(`${CONFIG_NAMESPACE}:${dotted(["workloads", name, "settings", ...issue.path])}: ${issue.message}`);
    }
  }
  return errors;
}

/** Parses a Pulumi config value: JSON (objects, arrays, numbers, booleans) when it parses, else the plain string. */
export function parseConfigValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Formats zod issues as `peva-lab:<dotted.path>: <message>`, one line per offending field. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], basePath: readonly PropertyKey[]): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    const path = [...basePath, ...issue.path];
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) lines.push(`${CONFIG_NAMESPACE}:${dotted([...path, key])}: unknown key`);
    } else if (issue.code === "invalid_union" && issue.errors.length > 0) {
      // A discriminated union reports its branches; the branch matching the discriminator is the useful one.
      const best = issue.errors.reduce((a, b) => (a.length <= b.length ? a : b));
      lines.push(...formatIssues(best, path));
    } else if (issue.code === "invalid_key" && issue.issues.length > 0) {
      // A record's key schema failed: zod's own message ("Invalid key in record") hides the key schema's.
      for (const inner of issue.issues) lines.push(`${CONFIG_NAMESPACE}:${dotted(path) || "(root)"}: ${inner.message}`);
    } else {
      lines.push(`${CONFIG_NAMESPACE}:${dotted(path) || "(root)"}: ${issue.message}`);
    }
  }
  return lines;
}

/**
 * A config path as `a.b.0.c`. Keys are the user's text: one that is not a plain name (spaces, dots, quotes,
 * controls) is quoted and escaped, so the path stays unambiguous and nothing in it acts on a terminal.
 */
function dotted(path: readonly PropertyKey[]): string {
  return path.map((p) => (/^[A-Za-z0-9_-]+$/.test(String(p)) ? String(p) : quoteText(String(p)))).join(".");
}
