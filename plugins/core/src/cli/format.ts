/** Text rendering of `peva-lab plugins` output. Pure. */
import type { DiscoveryProblem } from "../manifest.ts";
import { pluginLabel } from "../plugin-type.ts";
import type { PluginRow } from "./rows.ts";

/** Column headers of {@link formatPluginTable}. */
export const TABLE_HEADERS = ["TYPE", "NAME", "VERSION", "API", "HEALTH", "EXTRAS"] as const;

/**
 * A fixed-width table, one plugin per line, followed by the commands that install whatever is missing.
 * `platformApi` is the platform's plugin API version, shown next to incompatible plugins.
 */
export function formatPluginTable(rows: readonly PluginRow[], platformApi: string): string {
  if (rows.length === 0) return "No plugins found.\n";
  const cells = rows.map((r) => [
    r.info.type,
    r.info.name,
    r.info.version,
    formatApi(r, platformApi),
    formatHealth(r),
    formatExtras(r),
  ]);
  const widths = TABLE_HEADERS.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]) => c.map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i]!))).join("  ").trimEnd();
  const out = [line(TABLE_HEADERS), ...cells.map(line)];
  const notes = rows.flatMap((r) => [
    ...(r.info.error !== undefined ? [`${pluginLabel(r.info.type, r.info.name)}: ${r.info.error}`] : []),
    ...r.installCommands.map((c) => `${pluginLabel(r.info.type, r.info.name)}: to install what is missing, run: ${c}`),
  ]);
  return `${[...out, ...(notes.length > 0 ? ["", ...notes] : [])].join("\n")}\n`;
}

/** Every field of one plugin, `key: value` per line. */
export function formatPluginDetails(row: PluginRow, platformApi: string): string {
  const i = row.info;
  const fields: [string, string][] = [
    ["plugin", pluginLabel(i.type, i.name)],
    ["type", i.type],
    ["name", i.name],
    ["version", i.version],
    ["api version", formatApi(row, platformApi)],
    ["description", i.description || "-"],
    ["source", i.source],
    ["package", i.packageName ?? "-"],
    ["location", i.packageDir ?? "-"],
    ["dependencies", i.dependencies === undefined ? UNKNOWN : i.dependencies.join(", ") || "-"],
    ["extras", i.extras.join(", ") || "-"],
    ["tools", i.tools === undefined ? UNKNOWN : i.tools.join(", ") || "-"],
    ["missing", [...row.missingExtras, ...row.missingTools].join(", ") || "-"],
    ["install", row.installCommands.join(" && ") || "-"],
    ["health", formatHealth(row)],
    ["error", i.error ?? "-"],
  ];
  return `${fields.map(([k, v]) => `${`${k}:`.padEnd(14)}${v}`).join("\n")}\n`;
}

/** Discovery problems as `skipped <path>: <reason>` lines. */
export function formatProblems(problems: readonly DiscoveryProblem[]): string {
  return problems.map((p) => `skipped ${p.path}: ${p.reason}\n`).join("");
}

const UNKNOWN = "unknown until loaded";

function formatApi(row: PluginRow, platformApi: string): string {
  const { apiVersion, compatible } = row.info;
  if (apiVersion === undefined) return "? (unknown until loaded)";
  return compatible ? `${apiVersion} ok` : `${apiVersion} incompatible (platform ${platformApi})`;
}

function formatHealth(row: PluginRow): string {
  if (row.health === undefined) return "not checked";
  return row.health.message ? `${row.health.state}: ${row.health.message}` : row.health.state;
}

function formatExtras(row: PluginRow): string {
  const missing = [...row.missingExtras, ...row.missingTools.map((t) => `tool ${t}`)];
  if (missing.length > 0) return `missing: ${missing.join(", ")}`;
  return row.info.extras.length + (row.info.tools?.length ?? 0) === 0 ? "none" : "installed";
}
