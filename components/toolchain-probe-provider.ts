/**
 * Implementation of the `ToolchainProbe` dynamic provider (runs in the dynamic-provider process).
 */
import { execFile } from "node:child_process";
import { delimiter } from "node:path";
import { findOnPath } from "@peva-lab/core";
import { promisify } from "node:util";
import type { ToolRequirement } from "../plan/lab-plan.ts";

const run = promisify(execFile);

/** Provider inputs. */
export interface ProbeInputs {
  readonly tools: readonly ToolRequirement[];
}
/** Provider outputs. */
export interface ProbeOutputs extends ProbeInputs {
  readonly found: Record<string, { path: string; version: string }>;
}

async function probe(tools: readonly ToolRequirement[]): Promise<ProbeOutputs["found"]> {
  const found: ProbeOutputs["found"] = {};
  const missing: string[] = [];
  for (const tool of tools) {
    const path = findOnPath(tool.name, (process.env["PATH"] ?? "").split(delimiter).filter(Boolean));
    if (!path) {
      missing.push(`${tool.name} (needed by ${tool.neededBy})`);
      continue;
    }
    const { stdout, stderr } = await run(path, [...tool.versionArgs], { timeout: 10_000 });
    // Some tools (prometheus) print their version on stderr.
    const version = (stdout.trim() || stderr.trim()).split("\n")[0] ?? "";
    found[tool.name] = { path, version };
  }
  if (missing.length > 0) {
    throw new Error(`missing tools on PATH: ${missing.join(", ")}; run \`make bootstrap\` (scripts/bootstrap) to install them`);
  }
  return found;
}

/** Create: probe. */
export async function create(inputs: ProbeInputs) {
  return { id: "toolchain", outs: { tools: inputs.tools, found: await probe(inputs.tools) } };
}

/** Diff: only a changed requirement list changes the resource; versions are refreshed by `read`. */
export function diff(olds: ProbeOutputs, news: ProbeInputs) {
  const changed = JSON.stringify(olds.tools) !== JSON.stringify(news.tools);
  return { changes: changed, replaces: [], deleteBeforeReplace: false };
}

/** Update: probe again with the new list. */
export async function update(_olds: ProbeOutputs, news: ProbeInputs) {
  return { outs: { tools: news.tools, found: await probe(news.tools) } };
}

/** Read (refresh): probe again; a tool that disappeared fails the refresh with the fix. */
export async function read(id: string, props: ProbeOutputs) {
  return { id, props: { tools: props.tools, found: await probe(props.tools) } };
}
