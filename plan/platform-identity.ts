/**
 * The platform under test as a campaign identity sees it: what it is, how big its node is, its limits and the
 * versions that run it. Two campaigns on platforms that differ in any of these are not comparable, so the runner
 * hashes this record into the campaign id (see `campaignId` in the peva-faas runner). Pure: no Pulumi, no I/O.
 */
import type { StackConfig } from "../config/stack-config.ts";
import type { LabPlan } from "./lab-plan.ts";

/** A flat record with sorted keys: the platform part of a campaign identity, as the run spec carries it. */
export type PlatformIdentity = Readonly<Record<string, string | number | boolean>>;

/** What is known of the platform's node once it exists. */
export interface MeasuredNode {
  /** CPUs of the platform's node (the embedded platform's declared size, or `nproc` of a k3s node): what node CPU is judged against. */
  readonly cores: number;
  /** How the embedded platform's node is enforced (`cgroup-v1`, `cgroup-v2`, `processes`); absent for OpenFaaS. */
  readonly isolation?: string;
}

/** The plan and the config name different platforms, or the measured node is not one: a bug upstream. */
export class PlatformIdentityError extends Error {
  override name = "PlatformIdentityError";
}

/**
 * The identity of the platform `plan` places, from the validated `config` and the `node` measured on it:
 * - always `kind`, `node_cores` and `runner_on_platform_host` (a runner on the node under test competes with it);
 * - OpenFaaS: `node_memory_gib` when known (the Multipass VM's configured size);
 * - the embedded platform: its node's declared `node_memory_mb`, how it is enforced (`node_isolation`: a node
 *   held to its size by a cgroup and one whose size nothing enforces are not comparable), `max_replicas` and
 *   `queue_depth`;
 * - OpenFaaS: `k3s_version`, `openfaas_chart_version`, `prometheus_image`, `node_exporter_image`, and
 *   `function_image_<name>` for each function the lab deploys (a function deployed by hand is not known here).
 * Ports and addresses are left out: they change where the platform answers, not what a measurement means.
 */
export function platformIdentity(config: StackConfig, plan: LabPlan, node: MeasuredNode): PlatformIdentity {
  if (!Number.isInteger(node.cores) || node.cores < 1) {
    throw new PlatformIdentityError(`the platform node's cores must be a positive integer, got ${String(node.cores)}`);
  }
  const p = config.platform;
  if (p.type !== plan.platform.kind) {
    throw new PlatformIdentityError(`the plan places platform '${plan.platform.kind}' but the config says '${p.type}'`);
  }
  const out: Record<string, string | number | boolean> = {
    kind: plan.platform.kind,
    node_cores: node.cores,
    runner_on_platform_host: plan.runnerHost === plan.platform.host,
  };
  if (p.type === "local") {
    if (node.isolation === undefined) throw new PlatformIdentityError("the embedded platform's node reports no isolation");
    if (node.cores !== p.cpus) throw new PlatformIdentityError(`the embedded platform's node has ${node.cores} CPU(s) but platform.cpus is ${p.cpus}`);
    out["node_memory_mb"] = p.memoryMb;
    out["node_isolation"] = node.isolation;
    out["max_replicas"] = p.maxReplicas;
    out["queue_depth"] = p.queueDepth;
  } else {
    const vm = plan.hosts.find((h) => h.name === plan.platform.host)?.vm;
    if (vm !== undefined) out["node_memory_gib"] = vm.memoryGb;
    out["k3s_version"] = p.k3sVersion;
    out["openfaas_chart_version"] = p.openfaasChartVersion;
    out["prometheus_image"] = p.prometheusImage;
    out["node_exporter_image"] = p.nodeExporterImage;
    // The code a function runs is its image: another image is another function, whatever its name.
    for (const f of plan.functionDeployments) out[`function_image_${f.name}`] = f.image;
  }
  // Sorted keys: the record is compared as JSON against the one in the stack's state and in a live runner's spec.
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
