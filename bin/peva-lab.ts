#!/usr/bin/env node
/**
 * The peva-lab CLI. Node runs this TypeScript file directly (type stripping); the logic lives in
 * `@peva-lab/core` so it is unit-tested without spawning processes.
 */
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { findPackageRoot, PLUGINS_USAGE, runPluginsCommand } from "@peva-lab/core";

const USAGE = `usage: peva-lab <command>\n\ncommands:\n${PLUGINS_USAGE.replace(/^usage: peva-lab /, "  ")}`;

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "plugins") {
    // Discovery root: the project this CLI belongs to, i.e. the directory of its package.json.
    const root = findPackageRoot(dirname(fileURLToPath(import.meta.url)));
    return runPluginsCommand(rest, {
      stdout: (t) => process.stdout.write(t),
      stderr: (t) => process.stderr.write(t),
      discovery: { root },
    });
  }
  process.stderr.write(USAGE);
  return command === undefined || command === "help" || command === "--help" ? 0 : 2;
}

process.exitCode = await main(process.argv.slice(2));
