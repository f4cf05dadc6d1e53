/**
 * What a node of declared size writes into its cgroup: CPU quota, CPU weight, memory limit and, where the machine
 * has cores to spare, the cores it is pinned to. Pure: a size in, the file writes out (in the order the kernel
 * needs them), so both cgroup versions are tested without a cgroup.
 */

/** The declared size of the platform's node. */
export interface NodeSize {
  /** CPUs the node may use (its CFS quota, in whole CPUs). */
  readonly cpus: number;
  /** Memory the node may use, bytes. */
  readonly memoryBytes: number;
}

/** CFS period, microseconds (the kernel's default; quota = cpus × period). */
const CFS_PERIOD_US = 100_000;

/**
 * CPU weight of the node relative to one ordinary process (nice 0), per declared CPU. The quota caps the node at
 * its size; the weight protects that size: against n busy neighbours on its core the node gets about 16/(16+n) of
 * it when it wants it (94 % against one), instead of 1/(1+n). Above its quota the node is throttled whatever its
 * weight, so the neighbours keep the rest of the machine. (On cgroup v1 the weight counts against the processes
 * and cgroups beside the node in its parent cgroup.)
 */
const NODE_WEIGHT_PER_CPU = 16;

/** v1 `cpu.shares` of a nice-0 process's cgroup; v2 `cpu.weight` default. */
const V1_SHARES_DEFAULT = 1024;
const V2_WEIGHT_DEFAULT = 100;
const V1_SHARES_MAX = 262_144;
const V2_WEIGHT_MAX = 10_000;

/** One write into the node's cgroup: which hierarchy (v1 controller, or `node` for v2), which file, what text. */
export interface CgroupWrite {
  readonly hierarchy: "cpu" | "memory" | "cpuset" | "node";
  readonly file: string;
  readonly value: string;
}

/** Parses a kernel CPU list (`0-3,6`) into sorted CPU numbers; throws on malformed text. */
export function parseCpuList(text: string): number[] {
  const out = new Set<number>();
  for (const part of text.trim().split(",")) {
    if (part === "") continue;
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new Error(`malformed CPU list '${text.trim()}'`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    for (let c = from; c <= to; c++) out.add(c);
  }
  return [...out].sort((a, b) => a - b);
}

/** Formats CPU numbers as a kernel CPU list (`0-3,6`). */
export function formatCpuList(cpus: readonly number[]): string {
  const sorted = [...new Set(cpus)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] ?? 0) + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

/**
 * The cores to pin the node to: the last `cpus` of the cores this process may use, when at least one core is left
 * that the node never uses (for the load generator, Prometheus and the rest; nothing keeps them off the node's
 * cores, but the node's weight wins there). `undefined`: too few cores to leave one; the quota alone sizes the
 * node then.
 */
export function pinnedCpus(allowed: readonly number[], cpus: number): number[] | undefined {
  if (allowed.length < cpus + 1) return undefined;
  return [...allowed].sort((a, b) => a - b).slice(allowed.length - cpus);
}

/** The node's CPU weight for a cgroup version (capped at the kernel's maximum). */
export function nodeWeight(version: 1 | 2, cpus: number): number {
  return version === 1
    ? Math.min(V1_SHARES_MAX, V1_SHARES_DEFAULT * NODE_WEIGHT_PER_CPU * cpus)
    : Math.min(V2_WEIGHT_MAX, V2_WEIGHT_DEFAULT * NODE_WEIGHT_PER_CPU * cpus);
}

/**
 * The writes that size a node, in order. cgroup v1: `cpuset.mems` then `cpuset.cpus` (a v1 cpuset takes no task
 * until both are set), then quota, weight and memory. cgroup v2: `cpu.max`, `cpu.weight`, `memory.max` and, when
 * pinned, `cpuset.cpus` (v2 inherits the memory nodes).
 */
export function nodeLimitWrites(version: 1 | 2, size: NodeSize, pin?: { readonly cpus: readonly number[]; readonly mems: string }): CgroupWrite[] {
  const quota = Math.round(size.cpus * CFS_PERIOD_US);
  const bytes = String(Math.floor(size.memoryBytes));
  if (version === 1) {
    return [
      ...(pin
        ? [
            { hierarchy: "cpuset" as const, file: "cpuset.mems", value: pin.mems },
            { hierarchy: "cpuset" as const, file: "cpuset.cpus", value: formatCpuList(pin.cpus) },
          ]
        : []),
      { hierarchy: "cpu", file: "cpu.cfs_period_us", value: String(CFS_PERIOD_US) },
      { hierarchy: "cpu", file: "cpu.cfs_quota_us", value: String(quota) },
      { hierarchy: "cpu", file: "cpu.shares", value: String(nodeWeight(1, size.cpus)) },
      { hierarchy: "memory", file: "memory.limit_in_bytes", value: bytes },
    ];
  }
  return [
    { hierarchy: "node", file: "cpu.max", value: `${quota} ${CFS_PERIOD_US}` },
    { hierarchy: "node", file: "cpu.weight", value: String(nodeWeight(2, size.cpus)) },
    { hierarchy: "node", file: "memory.max", value: bytes },
    ...(pin ? [{ hierarchy: "node" as const, file: "cpuset.cpus", value: formatCpuList(pin.cpus) }] : []),
  ];
}

/**
 * Working-set memory from a cgroup's usage and its `memory.stat` text: usage minus inactive file cache (what
 * cAdvisor and the kubelet call the working set: cache the kernel would drop first is not the node's load).
 * v1 names the hierarchical figure `total_inactive_file`, v2 `inactive_file`.
 */
export function workingSetBytes(usageBytes: number, memoryStat: string, version: 1 | 2): number {
  const key = version === 1 ? "total_inactive_file" : "inactive_file";
  const m = new RegExp(`^${key} (\\d+)$`, "m").exec(memoryStat);
  const inactive = m?.[1] === undefined ? 0 : Number(m[1]);
  return Math.max(0, usageBytes - inactive);
}

/** A counter (in microseconds) of a v2 `cpu.stat` text as seconds, e.g. `usage_usec`; undefined when absent. */
export function cpuStatSeconds(cpuStat: string, key: "usage_usec" | "throttled_usec"): number | undefined {
  const m = new RegExp(`^${key} (\\d+)$`, "m").exec(cpuStat);
  return m?.[1] === undefined ? undefined : Number(m[1]) / 1e6;
}

/** v1 `cpu.stat`'s `throttled_time` (nanoseconds) as seconds; undefined when absent. */
export function v1ThrottledSeconds(cpuStat: string): number | undefined {
  const m = /^throttled_time (\d+)$/m.exec(cpuStat);
  return m?.[1] === undefined ? undefined : Number(m[1]) / 1e9;
}
