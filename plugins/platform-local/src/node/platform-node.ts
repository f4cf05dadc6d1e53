/**
 * The platform's node as the gateway sees it: a cgroup of the declared size when one can be made, else the
 * platform's own processes summed (no limit enforced, and the run's metadata says so). Either way the node's CPU
 * and memory are the platform's own, relative to the declared size, never the whole machine's.
 */
import { availableParallelism, totalmem } from "node:os";
import { readFileSync } from "node:fs";
import type { Logger } from "@peva-lab/core";
import { cgroupLayout } from "./cgroup-layout.ts";
import { createCgroupNode, NodeTooLargeError, type CgroupNode, type NodeUsage } from "./cgroup-node.ts";
import { formatCpuList, type NodeSize } from "./node-limits.ts";

/** How the node is made: a cgroup if possible (`auto`), a cgroup or fail (`cgroup`), or the processes summed. */
export type NodeIsolationMode = "auto" | "cgroup" | "processes";

/** How the node was made: which cgroup version holds it, or `processes` (nothing enforces its size). */
export type NodeIsolation = "cgroup-v1" | "cgroup-v2" | "processes";

/** What `/system/info` and the metrics say about the node. */
export interface NodeInfo {
  readonly isolation: NodeIsolation;
  readonly cpus: number;
  readonly memoryBytes: number;
  /** The cores the node is pinned to (kernel CPU list), when it is. */
  readonly cpuset?: string;
  /** The node's cgroup path, when it is one. */
  readonly cgroup?: string;
  /** Why no cgroup was made, when `isolation` is `processes`. */
  readonly reason?: string;
}

/** The figures the gateway already has about its own processes (what a `processes` node sums). */
export interface ProcessTotals {
  readonly cpuSeconds: number;
  readonly residentBytes: number;
}

/** The node of a running gateway. */
export interface PlatformNode {
  readonly info: NodeInfo;
  /** The node's usage: the cgroup's own counters, or `processes` summed. */
  usage(processes: ProcessTotals): NodeUsage;
  /** Leaves and removes the cgroup (after the workers exited). Idempotent. */
  close(): Promise<void>;
}

/** No cgroup could be made and isolation `cgroup` was asked for. */
export class NodeIsolationUnavailableError extends Error {
  override name = "NodeIsolationUnavailableError";
  readonly reason: string;
  constructor(reason: string) {
    super(`platform node: no cgroup could be made (${reason}); use isolation 'auto' or 'processes' to run without one`);
    this.reason = reason;
  }
}

/** A node of the declared size that the process totals stand for (no cgroup). */
export function processNode(size: NodeSize, reason: string): PlatformNode {
  return {
    info: { isolation: "processes", cpus: size.cpus, memoryBytes: size.memoryBytes, reason },
    usage: (p) => ({ cpuSeconds: p.cpuSeconds, memoryBytes: p.residentBytes, throttledSeconds: 0 }),
    close: async () => undefined,
  };
}

function cgroupPlatformNode(node: CgroupNode, size: NodeSize): PlatformNode {
  let closing: Promise<void> | undefined;
  return {
    info: {
      isolation: node.version === 1 ? "cgroup-v1" : "cgroup-v2",
      cpus: size.cpus,
      memoryBytes: size.memoryBytes,
      cgroup: node.path,
      ...(node.cpuset ? { cpuset: formatCpuList(node.cpuset) } : {}),
    },
    usage: () => node.usage(),
    close: () => (closing ??= node.close()),
  };
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** The machine's size as the default node (a gateway started without a declared size: tests, ad-hoc use). */
export function machineSize(): NodeSize {
  return { cpus: availableParallelism(), memoryBytes: totalmem() };
}

/**
 * Opens the node for `size`: in `auto` mode a cgroup when this machine and user allow one, else the processes
 * (the reason is logged and kept in {@link NodeInfo.reason}); `cgroup` fails instead of falling back. Must run
 * before the gateway forks any worker: workers inherit the gateway's cgroup.
 */
export function openPlatformNode(size: NodeSize, mode: NodeIsolationMode, logger: Logger): PlatformNode {
  if (size.cpus > availableParallelism()) throw new NodeTooLargeError(size.cpus, availableParallelism());
  if (mode === "processes") return processNode(size, "isolation 'processes' was asked for");
  const layout = cgroupLayout(readOrUndefined("/proc/self/cgroup") ?? "", readOrUndefined("/proc/self/mountinfo") ?? "", (mount) =>
    readOrUndefined(`${mount}/cgroup.controllers`),
  );
  let reason: string;
  if ("none" in layout) {
    reason = layout.none;
  } else {
    try {
      const node = cgroupPlatformNode(createCgroupNode(layout, size), size);
      logger.log("info", "node.cgroup", { ...node.info });
      return node;
    } catch (e) {
      if (e instanceof NodeTooLargeError) throw e;
      reason = e instanceof Error ? e.message : String(e);
    }
  }
  if (mode === "cgroup") throw new NodeIsolationUnavailableError(reason);
  logger.log("warn", "node.no_cgroup", { reason, fallback: "the platform's processes summed; no size enforced" });
  return processNode(size, reason);
}
