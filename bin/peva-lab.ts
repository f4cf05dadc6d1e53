#!/usr/bin/env node
/**
 * The peva-lab CLI. Node runs this TypeScript file directly (type stripping); the logic lives in the packages
 * (`@peva-lab/core` for `plugins`, `@peva-lab/peva-faas/report` for `report`, `config/` for `check`) so it is tested
 * without spawning processes.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { availableComputePlugins, findPackageRoot, PluginRegistry, PLUGINS_USAGE, runPluginsCommand } from "@peva-lab/core";
import { REPORT_USAGE, runReportCommand } from "@peva-lab/peva-faas/report";
import { CHECK_USAGE, runCheckCommand } from "../config/check-command.ts";

const USAGE = `usage: peva-lab <command>\n\ncommands:\n${[PLUGINS_USAGE, REPORT_USAGE, CHECK_USAGE].map((u) => u.replace(/^usage: peva-lab /, "  ")).join("")}`;

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  // The project this CLI belongs to: the directory of its package.json.
  const root = findPackageRoot(dirname(fileURLToPath(import.meta.url)));
  const io = { stdout: (t: string) => process.stdout.write(t), stderr: (t: string) => process.stderr.write(t) };
  if (command === "plugins") return runPluginsCommand(rest, { ...io, discovery: { root } });
  if (command === "report") return runReportCommand(rest, { ...io, defaultOutput: join(root, "output") });
  if (command === "check") {
    const registry = new PluginRegistry();
    registry.discover({ root });
    return runCheckCommand(rest, { ...io, root, available: availableComputePlugins(registry) });
  }
  process.stderr.write(USAGE);
  return command === undefined || command === "help" || command === "--help" ? 0 : 2;
}

process.exitCode = await main(process.argv.slice(2));
