/** `peva-lab plugins list | show <name> | doctor`: the logic behind the CLI, testable without a process. */
import type { DiscoveryOptions } from "../discovery.ts";
import { MemoryLogger } from "../logger.ts";
import { matchDependency } from "../dependencies.ts";
import { PLUGIN_TYPES } from "../plugin-type.ts";
import { PluginRegistry } from "../registry.ts";
import { formatPluginDetails, formatPluginTable, formatProblems } from "./format.ts";
import { collectPluginRows, rowHasProblem } from "./rows.ts";

/** Usage text. */
export const PLUGINS_USAGE = `usage: peva-lab plugins list | show <name|type:name> | doctor
  list     plugins found (no code is loaded): type, version, API compatibility, extras
  show     one plugin in detail, with its health
  doctor   every plugin with its health; exits 1 when anything needs attention
`;

/** Where output goes and what to scan. */
export interface CommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly discovery: DiscoveryOptions;
  readonly healthCheckTimeoutMs?: number;
}

/** Runs `plugins <args>` and returns the exit code (0 ok, 1 problems found, 2 usage error). */
export async function runPluginsCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const [sub, ...rest] = args;
  const valid = sub === "show" ? rest.length === 1 : (sub === "list" || sub === "doctor") && rest.length === 0;
  if (!valid) {
    io.stderr(PLUGINS_USAGE);
    return 2;
  }
  const registry = new PluginRegistry({ logger: new MemoryLogger() });
  const discovery = registry.discover(io.discovery);
  const problems = formatProblems(discovery.problems);
  if (problems) io.stderr(problems);
  const rowOptions = {
    checkHealth: sub !== "list",
    ...(io.discovery.env === undefined ? {} : { env: io.discovery.env }),
    ...(io.healthCheckTimeoutMs === undefined ? {} : { healthCheckTimeoutMs: io.healthCheckTimeoutMs }),
  };

  if (sub === "show") {
    const ref = rest[0]!;
    const matches = matchDependency(ref, PLUGIN_TYPES.flatMap((t) => registry.list(t)));
    if (matches.length === 0) {
      io.stderr(`Plugin not found: ${ref}\n`);
      return 1;
    }
    const rows = await collectPluginRows(registry, {
      ...rowOptions,
      filter: (info) => matches.some((m) => m.type === info.type && m.name === info.name),
    });
    io.stdout(rows.map((r) => formatPluginDetails(r, registry.platformApiVersion)).join("\n"));
    return rows.some(rowHasProblem) ? 1 : 0;
  }

  const rows = await collectPluginRows(registry, rowOptions);
  io.stdout(formatPluginTable(rows, registry.platformApiVersion));
  if (sub === "list") return 0;
  return rows.some(rowHasProblem) || discovery.problems.length > 0 ? 1 : 0;
}
