/**
 * The cgroup v2 path of the node against a FAKE cgroupfs: a plain directory laid out like a unified hierarchy's
 * root. This machine runs cgroup v1 (its unified mount offers no cpu or memory controller), so the v2 writes are
 * checked here as files; the v1 path runs against the real cgroupfs in the integration tests.
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
