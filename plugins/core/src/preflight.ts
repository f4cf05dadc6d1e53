/**
 * Preflight checks a plugin runs before doing work: is each extra installed where it will be imported from, and
 * is each tool on PATH. A miss names the package or tool and the command that installs it.
 */
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { MissingRequirementError, type MissingRequirement } from "./errors.ts";
import { installCommand, renderCommand } from "./extras.ts";

/** The command that installs the lab's tools (vegeta, Prometheus, …). */
export const TOOL_INSTALL_COMMAND = "scripts/bootstrap";

/** Where and what to check. */
export interface PreflightContext {
  /** Directory the plugin's code imports from (its package directory). */
  readonly resolveFrom: string;
  /** The plugin's workspace package, named in the install command. */
  readonly workspace: string;
  /** Environment to read `PATH` from; defaults to `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Install command for missing tools; defaults to {@link TOOL_INSTALL_COMMAND}. */
  readonly toolInstallCommand?: string;
}

/** Outcome of a preflight. */
export interface PreflightReport {
  readonly ok: boolean;
  readonly missing: readonly MissingRequirement[];
}

/** Checks `extras` and `tools`; never throws. */
export function checkRequirements(
  requirements: { readonly extras: readonly string[]; readonly tools: readonly string[] },
  context: PreflightContext,
): PreflightReport {
  const extraCommand = renderCommand(installCommand([context.workspace]));
  const toolCommand = context.toolInstallCommand ?? TOOL_INSTALL_COMMAND;
  const pathDirs = (context.env ?? process.env)["PATH"]?.split(delimiter).filter(Boolean) ?? [];
  const missing: MissingRequirement[] = [
    ...requirements.extras
      .filter((x) => findInstalledPackage(x, context.resolveFrom) === undefined)
      .map((name) => ({ kind: "extra" as const, name, installCommand: extraCommand })),
    ...requirements.tools
      .filter((t) => findOnPath(t, pathDirs) === undefined)
      .map((name) => ({ kind: "tool" as const, name, installCommand: toolCommand })),
  ];
  return { ok: missing.length === 0, missing };
}

/** Throws {@link MissingRequirementError} for a failed report. */
export function assertPreflight(pluginName: string, report: PreflightReport): void {
  if (!report.ok) throw new MissingRequirementError(pluginName, report.missing);
}

/**
 * The directory of package `name` as Node would find it importing from `fromDir` (the nearest
 * `node_modules/<name>/package.json` walking up), or `undefined`. Reads files only; imports nothing.
 */
export function findInstalledPackage(name: string, fromDir: string): string | undefined {
  let dir = fromDir;
  for (;;) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The first executable `tool` in `pathDirs`, or `undefined`. */
export function findOnPath(tool: string, pathDirs: readonly string[]): string | undefined {
  for (const dir of pathDirs) {
    const candidate = join(dir, tool);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}
