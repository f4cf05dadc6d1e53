/**
 * Reads what compute governance needs from the project: the policy files and the `peva-lab:compute` section of
 * every `Pulumi.<stack>.yaml`. The checks themselves are in `compute-governance.ts`.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { StackComputeSection } from "@peva-lab/core";
import { parse as parseYaml } from "yaml";
import { COMPUTE_POLICY_FILES, computeGovernanceErrors, computePolicyOf } from "./compute-governance.ts";
import { CONFIG_NAMESPACE, computeSchema } from "./stack-config.ts";
import { formatIssues } from "./validate.ts";

/** `Pulumi.<stack>.yaml` → stack name. */
const STACK_FILE = /^Pulumi\.([A-Za-z0-9_.-]+)\.yaml$/;

function readYaml(path: string): { value?: unknown; error?: string } {
  try {
    return { value: parseYaml(readFileSync(path, "utf8")) as unknown };
  } catch (error) {
    return { error: `not valid YAML: ${(error as Error).message.split("\n")[0]}` };
  }
}

/** The project's compute sections by stack (parsed by the stack config's `compute` schema), and what failed to parse. */
export function readProjectComputeSections(root: string): { sections: Record<string, StackComputeSection>; errors: string[] } {
  const sections: Record<string, StackComputeSection> = {};
  const errors: string[] = [];
  for (const file of readdirSync(root).sort()) {
    const stack = STACK_FILE.exec(file)?.[1];
    if (stack === undefined) continue;
    const doc = readYaml(join(root, file));
    if (doc.error !== undefined) {
      errors.push(`${file}: ${doc.error}`);
      continue;
    }
    const config = (doc.value as { config?: Record<string, unknown> } | null)?.config ?? {};
    const parsed = computeSchema.safeParse(config[`${CONFIG_NAMESPACE}:compute`] ?? {});
    if (parsed.success) sections[stack] = parsed.data;
    else errors.push(...formatIssues(parsed.error.issues, ["compute"]).map((e) => `${file}: ${e}`));
  }
  return { sections, errors };
}

/** The policy from `policies/compute-*.yaml` under `root`, given the compute plugins that can be loaded. */
export function readComputePolicy(root: string, available: readonly string[]) {
  const errors: string[] = [];
  const files = COMPUTE_POLICY_FILES.map((path) => {
    const full = join(root, path);
    if (!existsSync(full)) return { path, content: undefined };
    const doc = readYaml(full);
    if (doc.error !== undefined) errors.push(`${path}: ${doc.error}`);
    return { path, content: doc.value ?? {} };
  });
  const { policy, errors: policyErrors } = computePolicyOf(files, available);
  return { policy, errors: [...errors, ...policyErrors] };
}

/**
 * The governance errors a `pulumi up` of `stack` must stop on: the policy's, this stack's own (its section as the
 * Pulumi runtime resolved it), and parity with the other stacks of the project. Also returns this stack's resolved
 * compute per transform.
 */
export function stackComputeGovernance(root: string, stack: string, section: StackComputeSection, available: readonly string[]) {
  const { policy, errors: policyErrors } = readComputePolicy(root, available);
  if (policyErrors.length > 0) return { errors: policyErrors, resolved: undefined };
  const others = readProjectComputeSections(root).sections;
  const { errors, resolved } = computeGovernanceErrors({ ...others, [stack]: section }, policy, (s) => (s === stack ? "" : `Pulumi.${s}.yaml: `));
  // Another stack's own mistakes are for `peva-lab check`; parity and this stack's are this run's.
  const relevant = errors.filter((e) => !/^Pulumi\.[^:]+\.yaml: /.test(e));
  return { errors: relevant, resolved: resolved[stack] };
}
