/**
 * `peva-lab check`: compute governance over the whole project, as `make test` runs it on the shipped stacks: the
 * policy files, every `Pulumi.<stack>.yaml`'s `compute` section, and parity across the stacks. Prints each
 * stack's resolved compute per transform, then every violation with its exact message; exits 1 on any.
 */
import { computeGovernanceErrors } from "./compute-governance.ts";
import { readComputePolicy, readProjectComputeSections } from "./project-compute.ts";

/** The command's usage text. */
export const CHECK_USAGE = "usage: peva-lab check\n";

/** Where the command reads and writes. */
export interface CheckCommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** The project root: its `Pulumi.*.yaml` and `policies/`. */
  readonly root: string;
  /** Compute plugins the registry can load. */
  readonly available: readonly string[];
}

/** Runs the check; returns the exit code (0 clean, 1 violations, 2 usage). */
export function runCheckCommand(argv: readonly string[], io: CheckCommandIo): number {
  if (argv.length > 0) {
    io.stderr(`peva-lab check: takes no arguments\n${CHECK_USAGE}`);
    return 2;
  }
  const { policy, errors: policyErrors } = readComputePolicy(io.root, io.available);
  const { sections, errors: parseErrors } = readProjectComputeSections(io.root);
  const { errors, resolved } = computeGovernanceErrors(sections, policy, (s) => `Pulumi.${s}.yaml: `);
  io.stdout(`compute policy: ${policy.levels.map((l) => `${l.scope} [${l.approved.join(", ")}]`).join(" → ")}; plugins found: ${io.available.join(", ") || "none"}\n`);
  for (const [stack, r] of Object.entries(resolved)) {
    io.stdout(`Pulumi.${stack}.yaml: approved [${r.approved.join(", ")}], default ${r.compute}; ${Object.entries(r.transforms).map(([t, c]) => `${t}=${c}`).join(", ")}\n`);
  }
  const all = [...policyErrors, ...parseErrors, ...errors];
  for (const e of all) io.stderr(`${e}\n`);
  io.stdout(all.length === 0 ? `compute governance: ${Object.keys(sections).length} stack(s), no violation\n` : `compute governance: ${all.length} violation(s)\n`);
  return all.length === 0 ? 0 : 1;
}
