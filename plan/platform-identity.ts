/**
 * The platform under test as a campaign identity sees it: what it is, how big its node is, its limits and the
 * versions that run it. Two campaigns on platforms that differ in any of these are not comparable, so the runner
 * hashes this record into the campaign id (see `campaignId` in the peva-faas runner). Pure: no Pulumi, no I/O.
 */
import type { StackConfig } from "../config/stack-config.ts";
import type { LabPlan } from "./lab-plan.ts";

/** A flat record with sorted keys: the platform part of a campaign identity, as the run spec carries it. */
export type PlatformIdentity = Readonly<Record<string, string | number | boolean>>;

/** What was measured on the platform's node once it existed. */
export interface MeasuredNode {
  /** Processors of the platform's node (`nproc`): what node CPU is judged against. */
  readonly cores: number;
  /** Total memory of the node in bytes, when known (the local stack: this machine's). */
  readonly memoryBytes?: number;
}

/** The plan and the config name different platforms, or the measured node is not one: a bug upstream. */
export class PlatformIdentityError extends Error {
  override name = "PlatformIdentityError";
}

const GIB = 1024 ** 3;

/**
 * The identity of the platform `plan` places, from the validated `config` and the `node` measured on it:
 * - always `kind`, `node_cores` and `runner_on_platform_host` (a runner on the node under test competes with it);
 * - `node_memory_gib` when known: the Multipass VM's configured size, else the measured total rounded to whole
 *   GiB (the kernel's reserve shifts the exact total by a few MB between kernel releases; that must not split a
 *   campaign);
 * - the embedded platform: `max_replicas` and `queue_depth`;
 * - OpenFaaS: `k3s_version`, `openfaas_chart_version`, `prometheus_image` and `node_exporter_image`.
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
  const memoryGib = nodeMemoryGib(plan, node);
  if (memoryGib !== undefined) out["node_memory_gib"] = memoryGib;
  if (p.type === "local") {
    out["max_replicas"] = p.maxReplicas;
    out["queue_depth"] = p.queueDepth;
  } else {
    out["k3s_version"] = p.k3sVersion;
    out["openfaas_chart_version"] = p.openfaasChartVersion;
    out["prometheus_image"] = p.prometheusImage;
    out["node_exporter_image"] = p.nodeExporterImage;
  }
  // Sorted keys: the record is compared as JSON against the one in the stack's state and in a live runner's spec.
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The platform node's memory in GiB: the VM's configured size, or the measured bytes rounded; undefined if neither. */
function nodeMemoryGib(plan: LabPlan, node: MeasuredNode): number | undefined {
  const vm = plan.hosts.find((h) => h.name === plan.platform.host)?.vm;
  if (vm !== undefined) return vm.memoryGb;
  if (node.memoryBytes === undefined) return undefined;
  if (!Number.isFinite(node.memoryBytes) || node.memoryBytes <= 0) {
    throw new PlatformIdentityError(`the platform node's memory must be a positive number of bytes, got ${String(node.memoryBytes)}`);
  }
  return Math.max(1, Math.round(node.memoryBytes / GIB));
}
