/**
 * The platform's node as a cgroup (the side-effecting edge of `node/`): creates `peva-lab-node-<pid>` with the
 * declared CPU quota, weight, memory limit and pinned cores, moves the calling process (the gateway, before it
 * forks any worker) into it, reads the node's own CPU and memory, and on close moves back and removes it.
 * cgroup v1 (one directory per hierarchy, under this process's cgroup) and v2 (a child of the unified root, which
 * may hold processes and still delegate controllers; under a cgroup namespace the mounted root is the container's
 * own cgroup, which may not, and the node then falls back to the processes). Controllers enabled in the root's
 * `cgroup.subtree_control` stay enabled: systemd enables the same ones, and other cgroups may use them by then.
 */
import { mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { CgroupLayout } from "./cgroup-layout.ts";
import {
  cpuStatSeconds,
  nodeLimitWrites,
  parseCpuList,
  pinnedCpus,
  v1ThrottledSeconds,
  workingSetBytes,
  type CgroupWrite,
  type NodeSize,
} from "./node-limits.ts";

/** A node cgroup could not be made (or joined); the message names the file and the kernel's answer. */
export class CgroupNodeError extends Error {
  override name = "CgroupNodeError";
}

/** The node declares more CPUs than the machine lets this process use. */
export class NodeTooLargeError extends Error {
  override name = "NodeTooLargeError";
  readonly cpus: number;
  readonly available: number;
  constructor(cpus: number, available: number) {
    super(`the node declares ${cpus} CPU(s) but this machine lets the platform use ${available}: declare fewer (platform.cpus, or --node-cpus)`);
    this.cpus = cpus;
    this.available = available;
  }
}

/** Usage of the node so far. */
export interface NodeUsage {
  /** CPU seconds the node's processes used since it was made (a counter). */
  readonly cpuSeconds: number;
  /** Working-set memory of the node now, bytes. */
  readonly memoryBytes: number;
  /** Seconds the node was held back by its CPU quota (a counter; 0 where not known). */
  readonly throttledSeconds: number;
}

/** A node cgroup this process lives in. */
export interface CgroupNode {
  readonly version: 1 | 2;
  /** The node's cgroup path as the kernel names it in `/proc/<pid>/cgroup` (v1: the memory hierarchy's). */
  readonly path: string;
  /** The cores the node is pinned to, when it is. */
  readonly cpuset: readonly number[] | undefined;
  usage(): NodeUsage;
  /** Moves this process back to where it was and removes the node's directories (they must be empty by then). */
  close(): Promise<void>;
}

/** Name of a node cgroup; the pid tells a stale one (its gateway gone) from a live one. */
const NODE_NAME = /^peva-lab-node-(\d+)$/;

function readText(path: string): string {
  return readFileSync(path, "utf8");
}

function write(path: string, value: string): void {
  try {
    writeFileSync(path, value);
  } catch (e) {
    throw new CgroupNodeError(`cannot write '${value}' to ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes node cgroups under `parent` whose gateway is gone (a kill -9 leaves them; empty ones are removable). */
function removeStaleNodes(parent: string): void {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  for (const name of names) {
    const m = NODE_NAME.exec(name);
    if (!m || pidAlive(Number(m[1]))) continue;
    try {
      rmdirSync(join(parent, name));
    } catch {
      // Still holds processes (a worker that outlived its gateway) or already gone: left for the next start.
    }
  }
}

/** Removes a directory, retrying while the kernel still counts exiting processes in it. */
async function removeDir(dir: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      rmdirSync(dir);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return;
      if (code !== "EBUSY" || attempt >= 40) throw new CgroupNodeError(`cannot remove the node cgroup ${dir}: ${e instanceof Error ? e.message : String(e)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** The cgroup path of `dir` under a hierarchy mounted at `mount`, as `/proc/<pid>/cgroup` would show it. */
function cgroupPath(mount: string, dir: string): string {
  return dir.slice(mount.length).replace(/^\/*/, "/");
}

/**
 * Creates the node for `size` in `layout`, moves process `pid` (default: this one) into it and returns it.
 * `availableCpus` overrides the cores read from the parent's cpuset (tests). On failure everything made so far is
 * removed and the process stays where it was.
 */
export function createCgroupNode(
  layout: CgroupLayout,
  size: NodeSize,
  opts: { readonly pid?: number; readonly availableCpus?: readonly number[] } = {},
): CgroupNode {
  const pid = opts.pid ?? process.pid;
  const name = `peva-lab-node-${pid}`;
  const made: string[] = [];
  const joined: { from: string }[] = [];
  const undo = () => {
    for (const { from } of joined.reverse()) {
      try {
        writeFileSync(join(from, "cgroup.procs"), String(pid));
      } catch {
        // Best effort: the process's original cgroup vanished.
      }
    }
    for (const dir of made.reverse()) {
      try {
        rmdirSync(dir);
      } catch {
        // Best effort.
      }
    }
  };
  const mkdir = (dir: string) => {
    try {
      mkdirSync(dir);
    } catch (e) {
      throw new CgroupNodeError(`cannot create the node cgroup ${dir}: ${e instanceof Error ? e.message : String(e)}`);
    }
    made.push(dir);
  };

  try {
    if (layout.version === 1) {
      const d = layout.dirs;
      const allowed = opts.availableCpus ?? (d.cpuset ? parseCpuList(readText(join(d.cpuset, "cpuset.effective_cpus"))) : []);
      if (allowed.length > 0 && size.cpus > allowed.length) throw new NodeTooLargeError(size.cpus, allowed.length);
      const pinned = d.cpuset ? pinnedCpus(allowed, size.cpus) : undefined;
      // The hierarchies the node joins, by controller; cpu and cpuacct often share one (`cpu,cpuacct`), so the node
      // has one directory per distinct parent.
      const parents: Partial<Record<"cpu" | "cpuacct" | "memory" | "cpuset", string>> = {
        cpu: d.cpu,
        cpuacct: d.cpuacct,
        memory: d.memory,
        ...(pinned && d.cpuset ? { cpuset: d.cpuset } : {}),
      };
      const dirs = new Map<string, string>([...new Set(Object.values(parents))].map((parent) => [parent, join(parent, name)]));
      for (const parent of dirs.keys()) removeStaleNodes(parent);
      const nodeDir = (controller: keyof typeof parents): string => {
        const parent = parents[controller];
        const dir = parent === undefined ? undefined : dirs.get(parent);
        if (dir === undefined) throw new CgroupNodeError(`internal: the node joined no ${controller} hierarchy`);
        return dir;
      };
      for (const dir of dirs.values()) mkdir(dir);
      const mems = pinned && d.cpuset ? readText(join(d.cpuset, "cpuset.effective_mems")).trim() : "";
      applyWrites(nodeLimitWrites(1, size, pinned ? { cpus: pinned, mems } : undefined), (h) => nodeDir(h === "node" ? "cpu" : h));
      for (const [parent, dir] of dirs) {
        write(join(dir, "cgroup.procs"), String(pid));
        joined.push({ from: parent });
      }
      return {
        version: 1,
        path: cgroupPathOf(pid, "memory") ?? name,
        cpuset: pinned,
        usage: () => ({
          cpuSeconds: Number(readText(join(nodeDir("cpuacct"), "cpuacct.usage")).trim()) / 1e9,
          memoryBytes: workingSetBytes(Number(readText(join(nodeDir("memory"), "memory.usage_in_bytes")).trim()), readText(join(nodeDir("memory"), "memory.stat")), 1),
          throttledSeconds: v1ThrottledSeconds(readText(join(nodeDir("cpu"), "cpu.stat"))) ?? 0,
        }),
        close: () => leaveAll(pid, [...dirs].map(([parent, dir]) => ({ back: [parent], dir }))),
      };
    }

    // v2: the node is a child of the unified root, whose controllers it needs delegated.
    const root = layout.mount;
    removeStaleNodes(root);
    const offered = readText(join(root, "cgroup.controllers")).trim().split(/\s+/);
    const allowed = opts.availableCpus ?? (offered.includes("cpuset") ? parseCpuList(readText(join(root, "cpuset.cpus.effective"))) : []);
    if (allowed.length > 0 && size.cpus > allowed.length) throw new NodeTooLargeError(size.cpus, allowed.length);
    const pinned = offered.includes("cpuset") ? pinnedCpus(allowed, size.cpus) : undefined;
    const wanted = ["cpu", "memory", ...(pinned ? ["cpuset"] : [])];
    const enabled = readText(join(root, "cgroup.subtree_control")).trim().split(/\s+/);
    const missing = wanted.filter((c) => !enabled.includes(c));
    if (missing.length > 0) write(join(root, "cgroup.subtree_control"), missing.map((c) => `+${c}`).join(" "));
    const dir = join(root, name);
    mkdir(dir);
    applyWrites(nodeLimitWrites(2, size, pinned ? { cpus: pinned, mems: "" } : undefined), () => dir);
    write(join(dir, "cgroup.procs"), String(pid));
    joined.push({ from: layout.dir });
    return {
      version: 2,
      path: cgroupPath(root, dir),
      cpuset: pinned,
      usage: () => {
        const stat = readText(join(dir, "cpu.stat"));
        return {
          cpuSeconds: cpuStatSeconds(stat, "usage_usec") ?? 0,
          memoryBytes: workingSetBytes(Number(readText(join(dir, "memory.current")).trim()), readText(join(dir, "memory.stat")), 2),
          throttledSeconds: cpuStatSeconds(stat, "throttled_usec") ?? 0,
        };
      },
      // Back where it came from; if that cgroup is gone (a closed session's scope), the root takes the process.
      close: () => leaveAll(pid, [{ back: [layout.dir, root], dir }]),
    };
  } catch (e) {
    undo();
    throw e;
  }
}

/**
 * Moves `pid` out of each node directory (to the first of `back` that takes it) and removes the directory; every
 * step is tried, and the failures are reported together, so one stuck hierarchy leaves no other behind.
 */
async function leaveAll(pid: number, nodes: readonly { readonly back: readonly string[]; readonly dir: string }[]): Promise<void> {
  const failures: string[] = [];
  for (const { back, dir } of nodes) {
    const moved = back.some((to) => {
      try {
        writeFileSync(join(to, "cgroup.procs"), String(pid));
        return true;
      } catch {
        return false;
      }
    });
    if (!moved) failures.push(`cannot move process ${pid} out of ${dir} (tried ${back.join(", ")})`);
    try {
      await removeDir(dir);
    } catch (e) {
      failures.push(e instanceof Error ? e.message : String(e));
    }
  }
  if (failures.length > 0) throw new CgroupNodeError(failures.join("; "));
}

function applyWrites(writes: readonly CgroupWrite[], dirOf: (h: CgroupWrite["hierarchy"]) => string): void {
  for (const w of writes) write(join(dirOf(w.hierarchy), w.file), w.value);
}

/** The path of `pid`'s cgroup in the v1 hierarchy of `controller`, from `/proc/<pid>/cgroup`; undefined if unknown. */
function cgroupPathOf(pid: number, controller: string): string | undefined {
  try {
    const line = readText(`/proc/${pid}/cgroup`)
      .split("\n")
      .find((l) => l.split(":")[1]?.split(",").includes(controller));
    return line?.split(":").slice(2).join(":");
  } catch {
    return undefined;
  }
}

