/**
 * The node's cgroup writes against a FAKE cgroupfs: plain directories laid out like cgroup hierarchies. This
 * machine runs cgroup v1 with one hierarchy per controller (its unified mount offers no cpu or memory controller),
 * so the v2 path and the common v1 layout with `cpu,cpuacct` in one hierarchy are checked here as files; the v1
 * path this machine has runs against the real cgroupfs in the integration tests.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createCgroupNode, NodeTooLargeError } from "../../src/node/cgroup-node.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fake unified root: the files the node reads and writes at the root, and the process's own cgroup. */
function fakeRoot(opts: { controllers: string; subtree: string; cpus: string }): string {
  const root = mkdtempSync(join(tmpdir(), "peva-fake-cgroup2-"));
  dirs.push(root);
  writeFileSync(join(root, "cgroup.controllers"), `${opts.controllers}\n`);
  writeFileSync(join(root, "cgroup.subtree_control"), `${opts.subtree}\n`);
  writeFileSync(join(root, "cpuset.cpus.effective"), `${opts.cpus}\n`);
  return root;
}

const size = { cpus: 1, memoryBytes: 512 * 1024 ** 2 };
const PID = 424242;

describe("cgroup v2 node (fake cgroupfs)", () => {
  it("delegates the missing controllers, sizes and pins the node, moves the process in, reads usage, and leaves", async () => {
    const root = fakeRoot({ controllers: "cpuset cpu io memory pids", subtree: "memory pids", cpus: "0-3" });
    const own = join(root, "user.slice");
    mkdirSync(own);
    const node = createCgroupNode({ version: 2, mount: root, dir: own }, size, { pid: PID });
    const dir = join(root, `peva-lab-node-${PID}`);

    expect(readFileSync(join(root, "cgroup.subtree_control"), "utf8")).toBe("+cpu +cpuset");
    expect(readFileSync(join(dir, "cpu.max"), "utf8")).toBe("100000 100000");
    expect(readFileSync(join(dir, "cpu.weight"), "utf8")).toBe("1600");
    expect(readFileSync(join(dir, "memory.max"), "utf8")).toBe(String(512 * 1024 ** 2));
    expect(readFileSync(join(dir, "cpuset.cpus"), "utf8")).toBe("3");
    expect(readFileSync(join(dir, "cgroup.procs"), "utf8")).toBe(String(PID));
    expect(node.version).toBe(2);
    expect(node.path).toBe(`/peva-lab-node-${PID}`);
    expect(node.cpuset).toEqual([3]);

    // What the kernel would show after some work.
    writeFileSync(join(dir, "cpu.stat"), "usage_usec 1250000\nthrottled_usec 250000\n");
    writeFileSync(join(dir, "memory.current"), "104857600\n");
    writeFileSync(join(dir, "memory.stat"), "anon 1\ninactive_file 4857600\n");
    expect(node.usage()).toEqual({ cpuSeconds: 1.25, memoryBytes: 100_000_000, throttledSeconds: 0.25 });

    // On a real cgroupfs the control files go with the directory; a plain directory needs them removed first.
    for (const f of readdirSync(dir)) rmSync(join(dir, f));
    await node.close();
    expect(readFileSync(join(own, "cgroup.procs"), "utf8")).toBe(String(PID));
    expect(existsSync(dir)).toBe(false);
  });

  it("leaves enabled controllers alone and does not pin when no core would be left", () => {
    const root = fakeRoot({ controllers: "cpuset cpu memory", subtree: "cpuset cpu memory", cpus: "0-1" });
    const node = createCgroupNode({ version: 2, mount: root, dir: root }, { cpus: 2, memoryBytes: 2 ** 30 }, { pid: PID });
    expect(readFileSync(join(root, "cgroup.subtree_control"), "utf8")).toBe("cpuset cpu memory\n");
    expect(existsSync(join(root, `peva-lab-node-${PID}`, "cpuset.cpus"))).toBe(false);
    expect(node.cpuset).toBeUndefined();
  });

  it("refuses a node larger than the cores it may use, creating nothing", () => {
    const root = fakeRoot({ controllers: "cpuset cpu memory", subtree: "", cpus: "0-1" });
    expect(() => createCgroupNode({ version: 2, mount: root, dir: root }, { cpus: 3, memoryBytes: 2 ** 30 }, { pid: PID })).toThrow(NodeTooLargeError);
    expect(readdirSync(root).sort()).toEqual(["cgroup.controllers", "cgroup.subtree_control", "cpuset.cpus.effective"]);
  });

  it("removes the node cgroups of gateways that are gone, and keeps a live one's", () => {
    const root = fakeRoot({ controllers: "cpu memory", subtree: "cpu memory", cpus: "0-1" });
    const dead = join(root, "peva-lab-node-2147483646");
    const live = join(root, `peva-lab-node-${process.pid}`);
    // Empty directories, as a node cgroup is once its processes are gone.
    for (const d of [dead, live]) mkdirSync(d);
    createCgroupNode({ version: 2, mount: root, dir: root }, size, { pid: PID });
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
  });
});

describe("cgroup v1 node with cpu and cpuacct in one hierarchy (fake cgroupfs)", () => {
  function fakeV1(): { cpu: string; memory: string } {
    const root = mkdtempSync(join(tmpdir(), "peva-fake-cgroup1-"));
    dirs.push(root);
    const cpu = join(root, "cpu,cpuacct", "user.slice");
    const memory = join(root, "memory", "user.slice");
    mkdirSync(cpu, { recursive: true });
    mkdirSync(memory, { recursive: true });
    return { cpu, memory };
  }

  it("makes one node directory per hierarchy, joins each once, reads usage from the shared one, and leaves", async () => {
    const { cpu, memory } = fakeV1();
    const node = createCgroupNode({ version: 1, dirs: { cpu, cpuacct: cpu, memory } }, size, { pid: PID, availableCpus: [0, 1] });
    const cpuNode = join(cpu, `peva-lab-node-${PID}`);
    const memNode = join(memory, `peva-lab-node-${PID}`);
    expect(readFileSync(join(cpuNode, "cpu.cfs_quota_us"), "utf8")).toBe("100000");
    expect(readFileSync(join(cpuNode, "cpu.shares"), "utf8")).toBe("16384");
    expect(readFileSync(join(memNode, "memory.limit_in_bytes"), "utf8")).toBe(String(512 * 1024 ** 2));
    expect(readFileSync(join(cpuNode, "cgroup.procs"), "utf8")).toBe(String(PID));
    expect(readFileSync(join(memNode, "cgroup.procs"), "utf8")).toBe(String(PID));
    expect(node.cpuset).toBeUndefined();

    writeFileSync(join(cpuNode, "cpuacct.usage"), "2000000000\n");
    writeFileSync(join(cpuNode, "cpu.stat"), "nr_periods 5\nnr_throttled 1\nthrottled_time 500000000\n");
    writeFileSync(join(memNode, "memory.usage_in_bytes"), "3000\n");
    writeFileSync(join(memNode, "memory.stat"), "total_inactive_file 1000\n");
    expect(node.usage()).toEqual({ cpuSeconds: 2, memoryBytes: 2000, throttledSeconds: 0.5 });

    for (const d of [cpuNode, memNode]) for (const f of readdirSync(d)) rmSync(join(d, f));
    await node.close();
    expect(readFileSync(join(cpu, "cgroup.procs"), "utf8")).toBe(String(PID));
    expect(readFileSync(join(memory, "cgroup.procs"), "utf8")).toBe(String(PID));
    expect(existsSync(cpuNode) || existsSync(memNode)).toBe(false);
  });

  it("a failure half-way removes what it made and moves nothing", () => {
    const { cpu } = fakeV1();
    const missing = join(cpu, "..", "..", "no-such-hierarchy");
    expect(() => createCgroupNode({ version: 1, dirs: { cpu, cpuacct: cpu, memory: missing } }, size, { pid: PID, availableCpus: [0, 1] })).toThrow(
      /cannot create the node cgroup .*no-such-hierarchy\/peva-lab-node-424242/,
    );
    expect(readdirSync(cpu)).toEqual([]);
  });
});
