/**
 * Compute governance of the project's stacks: the policy files (enterprise, then domain), each stack's `compute`
 * section, and parity across stacks, checked with the governance of `@peva-lab/core` and its exact messages. Pure:
 * the caller reads the files.
 */
import { validateComputeSelection, type ComputePolicy, type ComputePolicyLevel, type StackComputeSection } from "@peva-lab/core";
import { z } from "zod";
import { ANALYSIS_TRANSFORMS, CONFIG_NAMESPACE } from "./stack-config.ts";
import { formatIssues } from "./validate.ts";

/** The policy files, outermost first, relative to the project root; a missing file is a level that narrows nothing. */
export const COMPUTE_POLICY_FILES = ["policies/compute-enterprise.yaml", "policies/compute-domain.yaml"] as const;

const policyFileSchema = z
  .object({
    approved: z.array(z.string().min(1)).describe("The computes this level approves (a subset of the level above)."),
    default: z.string().min(1).optional().describe("This level's default compute."),
  })
  .strict();

/** A policy file as read: its path and its parsed YAML (or `undefined` when the file does not exist). */
export interface PolicyFileContent {
  readonly path: string;
  readonly content: unknown;
}

/**
 * The policy from the files' contents: errors name the file and the field. No file at all means the built-in
 * policy, DuckDB only.
 */
export function computePolicyOf(
  files: readonly PolicyFileContent[],
  available: readonly string[],
): { readonly policy: ComputePolicy; readonly errors: readonly string[] } {
  const levels: ComputePolicyLevel[] = [];
  const errors: string[] = [];
  for (const f of files) {
    if (f.content === undefined) continue;
    const parsed = policyFileSchema.safeParse(f.content);
    if (!parsed.success) {
      errors.push(...formatIssues(parsed.error.issues, []).map((e) => `${f.path}: ${e.slice(CONFIG_NAMESPACE.length + 1)}`));
      continue;
    }
    levels.push({ scope: f.path, approved: parsed.data.approved, default: parsed.data.default });
  }
  if (levels.length === 0) levels.push({ scope: "built-in policy", approved: ["duckdb"], default: "duckdb" });
  return { policy: { levels, available, transforms: ANALYSIS_TRANSFORMS }, errors };
}

/**
 * Every governance violation of `stacks` (stack name → its `compute` section) under `policy`, as lines: a stack's
 * own as `peva-lab:compute.<field>: <message>` prefixed by `label(stack)`, a policy level's as `<file>: <field>:
 * <message>`, a parity violation as `peva-lab:compute.<field>: <message>` (it names the stacks itself).
 */
export function computeGovernanceErrors(
  stacks: Readonly<Record<string, StackComputeSection>>,
  policy: ComputePolicy,
  label: (stack: string) => string = () => "",
): { readonly errors: readonly string[]; readonly resolved: ReturnType<typeof validateComputeSelection>["stacks"] } {
  const result = validateComputeSelection(stacks, policy);
  const errors = result.issues.map((i) => {
    if (i.scope !== undefined) return `${i.scope}: ${i.path.join(".")}: ${i.message}`;
    const at = `${CONFIG_NAMESPACE}:${i.path.join(".")}: ${i.message}`;
    return i.stack === undefined ? at : `${label(i.stack)}${at}`;
  });
  return { errors, resolved: result.stacks };
}
