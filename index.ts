/**
 * peva-lab composition root: validate the stack config (before any resource exists), plan the lab, declare it.
 *
 *   pulumi up       builds the lab and runs the enabled campaigns
 *   pulumi destroy  retrieves the memory, cleans up only what the config opted into, removes the lab
 */
import * as pulumi from "@pulumi/pulumi";
import { readRawConfig } from "./config/pulumi-config.ts";
import { inTreePluginCatalog } from "./config/plugin-catalog.ts";
import { checkWorkloadSettings, stackNameProblem, validateStackConfig } from "./config/validate.ts";
import { stackComputeGovernance } from "./config/project-compute.ts";
import { Lab } from "./components/lab.ts";
import { planLab, platformFunctionProblems, workloadCheckContext } from "./plan/lab-plan.ts";

const { raw, secretKeys } = readRawConfig();
const catalog = await inTreePluginCatalog();
const result = validateStackConfig(raw, secretKeys, catalog.plugins);
if (!result.ok) {
  // RunError: Pulumi prints the message without a stack trace, and no resource has been registered yet.
  throw new pulumi.RunError(`invalid stack config (${result.errors.length} error(s)):\n  ${result.errors.join("\n  ")}`);
}
const { config } = result;
const stack = pulumi.getStack();
const stackProblem = stackNameProblem(stack);
if (stackProblem) throw new pulumi.RunError(stackProblem);
// Compute governance: the policy files, this stack's choice, and parity with the project's other stacks.
const computeGovernance = stackComputeGovernance(
  process.cwd(),
  stack,
  config.compute,
  catalog.plugins.filter((p) => p.type === "compute").map((p) => p.name),
);
if (computeGovernance.errors.length > 0) {
  throw new pulumi.RunError(`invalid stack config (${computeGovernance.errors.length} error(s)):\n  ${computeGovernance.errors.join("\n  ")}`);
}
const plan = planLab(stack, config);
// The checks that need the whole config or the planned lab (platform functions the campaign does not load; the
// workloads' own checks: load windows vs the scrape interval, entrypoints): still before any resource exists.
const problems = [
  ...platformFunctionProblems(config),
  ...(await checkWorkloadSettings(config, catalog.plugins, workloadCheckContext(plan, process.cwd()))),
];
if (problems.length > 0) {
  throw new pulumi.RunError(`invalid stack config (${problems.length} error(s)):\n  ${problems.join("\n  ")}`);
}

const lab = new Lab("lab", {
  plan,
  config,
  secrets: {
    gatewayPassword: config.gatewayPassword === undefined ? undefined : pulumi.secret(config.gatewayPassword),
    sshPrivateKey: config.sshPrivateKey === undefined ? undefined : pulumi.secret(config.sshPrivateKey),
  },
  hostWorkspaces: Object.fromEntries(plan.hostSetups.map((s) => [s.host, catalog.workspacesFor(s.plugins)])),
  analysisCompute: computeGovernance.resolved?.transforms ?? {},
});

// A campaign that failed, crashed or left configurations without a verdict fails `pulumi up` (a non-zero exit a
// nightly job can see), once the run is recorded in the state, so the next `up` resumes it. A run stopped on
// request is not a failure.
lab.run?.apply((r) => {
  if (r.status === "failed" || r.status === "incomplete") {
    throw new pulumi.RunError(`campaign run ${r.runId} ${r.status}: ${r.message.split("\n")[0]}`);
  }
});

/** The runner host: name, workdir and (local stack) measured cores and tool versions. */
export const runner = lab.runner;
/** The platform under test: kind and, when it exists, its gateway and Prometheus URLs. */
export const platform = lab.platform;
/** The campaign run: status, counts, summary table, where results.csv and the DuckDB memory are. */
export const run = lab.run ?? "no workload enabled";
/** The campaign's offline HTML report (open it in a browser; `npx peva-lab report` writes it again). */
export const report = lab.run?.apply((r) => r.report || "not written: see the run's warnings") ?? "no workload enabled";
/**
 * OpenFaaS stacks: the k3s cluster's admin kubeconfig, a secret (`pulumi stack output kubeconfig --show-secrets`
 * prints it; keep the file you write it to private, `umask 077`).
 */
export const kubeconfig = lab.kubeconfig ?? "no Kubernetes cluster on this stack";
/** Controller-side output root of this stack. */
export const outputRoot = plan.outputRoot;
/** Enabled workloads. */
export const workloads = plan.enabledWorkloads;
