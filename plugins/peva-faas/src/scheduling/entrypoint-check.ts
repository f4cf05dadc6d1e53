/**
 * The entrypoint check `pulumi preview` runs: resolves each configured entrypoint under the same rules as the
 * runner, imports its module and checks the export's shape, so a wrong path, a refused module or a missing
 * member fails the preview instead of the campaign. Nothing of the export is constructed or called (importing
 * the module does run its top-level code, as the runner would).
 */
import { BUILTIN_SCHEDULERS } from "./config.ts";
import { POLICY_CONTRACT, SCHEDULER_CONTRACT, type EntrypointContract } from "./contracts.ts";
import { checkExportShape, importEntrypoint, type EntrypointRoots } from "./entrypoint.ts";

/** The workload settings {@link checkEntrypoints} reads (validated, or at least of the right types). */
export interface EntrypointSettings {
  /** `cartesian`, `frontier` or `module:Export`; built-ins are not checked. */
  readonly scheduler?: string | undefined;
  readonly algorithm_entrypoint?: string | undefined;
  readonly entrypoint_dirs?: readonly string[] | undefined;
}

/** A problem with one setting: its path in the workload settings and what is wrong. */
export interface EntrypointProblem {
  path: string[];
  message: string;
}

/**
 * Checks the custom `scheduler` and the `algorithm_entrypoint` of a workload: each is parsed, resolved inside the
 * allowed roots (the project, its `node_modules`, `entrypoint_dirs`), imported, and its export checked to be a
 * class whose prototype, or an object that, implements the contract. Answers one problem per failing setting,
 * none when all is well.
 */
export async function checkEntrypoints(config: EntrypointSettings, projectDir: string): Promise<EntrypointProblem[]> {
  const roots: EntrypointRoots = { projectDir, entrypointDirs: config.entrypoint_dirs ?? [] };
  const targets: { setting: "scheduler" | "algorithm_entrypoint"; spec: string; contract: EntrypointContract }[] = [];
  const scheduler = config.scheduler?.trim();
  if (scheduler !== undefined && !(BUILTIN_SCHEDULERS as readonly string[]).includes(scheduler)) {
    targets.push({ setting: "scheduler", spec: scheduler, contract: SCHEDULER_CONTRACT });
  }
  if (config.algorithm_entrypoint !== undefined) {
    targets.push({ setting: "algorithm_entrypoint", spec: config.algorithm_entrypoint, contract: POLICY_CONTRACT });
  }
  const problems: EntrypointProblem[] = [];
  // One after the other: importing runs module code, and messages should come in settings order.
  for (const t of targets) {
    try {
      const { exported } = await importEntrypoint(t.spec, roots);
      checkExportShape(exported, t.spec.trim(), t.contract.kind, t.contract.requiredMembers);
    } catch (error) {
      problems.push({ path: [t.setting], message: error instanceof Error ? error.message : String(error) });
    }
  }
  return problems;
}
