/**
 * The platform node's pure parts: where the cgroups are (recorded `/proc/self/cgroup` and `mountinfo` texts of a
 * cgroup v1 hybrid machine, a cgroup v2 systemd machine and a container), what a node of a declared size writes
 * into its cgroup, and how its usage is read back.
 */
import { describe, expect, it } from "vitest";
import { cgroupLayout, parseCgroupMounts } from "../../src/node/cgroup-layout.ts";
import {
  cpuStatSeconds,
  formatCpuList,
  nodeLimitWrites,
  nodeWeight,
  parseCpuList,
  pinnedCpus,
  v1ThrottledSeconds,
  workingSetBytes,
} from "../../src/node/node-limits.ts";

// This machine (Debian 12 VM, kernel 6.18, cgroup v1 with an empty unified mount): one hierarchy per controller.
const V1_MOUNTINFO = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;
const V1_CGROUP = `9:name=systemd:/
4:memory:/process_api/e3a7
3:cpuset:/
2:cpuacct:/
1:cpu:/
0::/
`;
// A typical v1 distribution mounts cpu and cpuacct together.
const V1_JOINT_MOUNTINFO = `25 24 0:22 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid - cgroup cgroup rw,cpu,cpuacct
26 24 0:23 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory
`;
const V1_JOINT_CGROUP = "5:cpu,cpuacct:/user.slice\n3:memory:/user.slice\n";
// A laptop with systemd on cgroup v2 only.
const V2_MOUNTINFO = "35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n";
const V2_CGROUP = "0::/user.slice/user-1000.slice/session-2.scope\n";

describe("cgroupLayout", () => {
  it("this machine: cgroup v1, each controller's directory of this process's cgroup; the empty unified mount ignored", () => {
    expect(cgroupLayout(V1_CGROUP, V1_MOUNTINFO, () => "")).toEqual({
      version: 1,
      dirs: { cpu: "/sys/fs/cgroup/cpu", cpuacct: "/sys/fs/cgroup/cpuacct", memory: "/sys/fs/cgroup/memory/process_api/e3a7", cpuset: "/sys/fs/cgroup/cpuset" },
    });
  });

  it("cgroup v1 with cpu and cpuacct in one hierarchy, and no cpuset", () => {
    expect(cgroupLayout(V1_JOINT_CGROUP, V1_JOINT_MOUNTINFO, () => undefined)).toEqual({
      version: 1,
      dirs: { cpu: "/sys/fs/cgroup/cpu,cpuacct/user.slice", cpuacct: "/sys/fs/cgroup/cpu,cpuacct/user.slice", memory: "/sys/fs/cgroup/memory/user.slice" },
    });
  });

  it("cgroup v2: the unified mount and this process's directory, when the root offers cpu and memory", () => {
    expect(cgroupLayout(V2_CGROUP, V2_MOUNTINFO, (m) => (m === "/sys/fs/cgroup" ? "cpuset cpu io memory hugetlb pids rdma misc\n" : undefined))).toEqual({
      version: 2,
      mount: "/sys/fs/cgroup",
      dir: "/sys/fs/cgroup/user.slice/user-1000.slice/session-2.scope",
    });
  });

  it("cgroup v2 without the memory controller, or no hierarchy at all: the reason, never a half layout", () => {
    expect(cgroupLayout(V2_CGROUP, V2_MOUNTINFO, () => "cpu io pids")).toEqual({ none: "the cgroup v2 hierarchy at /sys/fs/cgroup offers no memory controller" });
    expect(cgroupLayout("", "22 1 0:5 / /proc rw - proc proc rw\n", () => undefined)).toEqual({
      none: "no cgroup hierarchy with the cpu, cpuacct and memory controllers (v1) or cpu and memory (v2) is mounted",
    });
  });

  it("a container's cgroup namespace: the mount shows a subtree, and a path outside it is refused", () => {
    const mountinfo = "40 30 0:30 /docker/abc /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
    expect(cgroupLayout("0::/docker/abc/app\n", mountinfo, () => "cpu memory")).toEqual({ version: 2, mount: "/sys/fs/cgroup", dir: "/sys/fs/cgroup/app" });
    expect(cgroupLayout("0::/other\n", mountinfo, () => "cpu memory")).toEqual({ none: "this process's cgroup /other is outside the mounted cgroup v2 hierarchy" });
  });

  it("undoes mountinfo's octal escapes in mount points", () => {
    expect(parseCgroupMounts("1 0 0:1 / /mnt/cg\\040v1 rw - cgroup cgroup rw,memory\n")[0]?.mountPoint).toBe("/mnt/cg v1");
  });
});

describe("node limits", () => {
  const size = { cpus: 2, memoryBytes: 1536 * 1024 ** 2 };

  it("cgroup v1: cpuset first (a v1 cpuset takes no task before mems and cpus), then quota, weight and memory", () => {
    expect(nodeLimitWrites(1, size, { cpus: [2, 3], mems: "0" })).toEqual([
      { hierarchy: "cpuset", file: "cpuset.mems", value: "0" },
      { hierarchy: "cpuset", file: "cpuset.cpus", value: "2-3" },
      { hierarchy: "cpu", file: "cpu.cfs_period_us", value: "100000" },
      { hierarchy: "cpu", file: "cpu.cfs_quota_us", value: "200000" },
      { hierarchy: "cpu", file: "cpu.shares", value: "32768" },
      { hierarchy: "memory", file: "memory.limit_in_bytes", value: "1610612736" },
    ]);
    expect(nodeLimitWrites(1, size).map((w) => w.file)).toEqual(["cpu.cfs_period_us", "cpu.cfs_quota_us", "cpu.shares", "memory.limit_in_bytes"]);
  });

  it("cgroup v2: cpu.max as 'quota period', weight, memory.max, and cpuset.cpus when pinned", () => {
    expect(nodeLimitWrites(2, size, { cpus: [1, 2], mems: "" })).toEqual([
      { hierarchy: "node", file: "cpu.max", value: "200000 100000" },
      { hierarchy: "node", file: "cpu.weight", value: "3200" },
      { hierarchy: "node", file: "memory.max", value: "1610612736" },
      { hierarchy: "node", file: "cpuset.cpus", value: "1-2" },
    ]);
  });

  it("the weight reserves the node's CPUs against many busy neighbours, capped at the kernel's maximum", () => {
    expect(nodeWeight(1, 1)).toBe(16 * 1024);
    expect(nodeWeight(2, 1)).toBe(1600);
    expect(nodeWeight(1, 64)).toBe(262_144);
    expect(nodeWeight(2, 64)).toBe(10_000);
  });

  it("pins to the last cores only when at least one is left for the load generator and Prometheus", () => {
    expect(pinnedCpus([0, 1], 1)).toEqual([1]);
    expect(pinnedCpus([0, 1], 2)).toBeUndefined();
    expect(pinnedCpus([0, 1, 2, 3, 6, 7], 3)).toEqual([3, 6, 7]);
  });

  it("reads and writes kernel CPU lists", () => {
    expect(parseCpuList("0-3,6,8-9\n")).toEqual([0, 1, 2, 3, 6, 8, 9]);
    expect(formatCpuList([9, 0, 1, 2, 6, 8])).toBe("0-2,6,8-9");
    expect(parseCpuList("")).toEqual([]);
    expect(() => parseCpuList("0-a")).toThrow("malformed CPU list '0-a'");
  });
});

describe("node usage", () => {
  it("working set = usage minus inactive file cache, the hierarchical v1 figure or v2's", () => {
    const v1 = "cache 500\ninactive_file 100\ntotal_inactive_file 300\n";
    expect(workingSetBytes(10_000, v1, 1)).toBe(9_700);
    expect(workingSetBytes(10_000, "anon 5\ninactive_file 2500\n", 2)).toBe(7_500);
    expect(workingSetBytes(100, "inactive_file 2500\n", 2)).toBe(0);
  });

  it("CPU and throttling counters in seconds, from v2's microseconds and v1's nanoseconds", () => {
    const v2 = "usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\nnr_periods 10\nnr_throttled 3\nthrottled_usec 750000\n";
    expect(cpuStatSeconds(v2, "usage_usec")).toBe(2.5);
    expect(cpuStatSeconds(v2, "throttled_usec")).toBe(0.75);
    expect(cpuStatSeconds("nr_periods 0\n", "usage_usec")).toBeUndefined();
    expect(v1ThrottledSeconds("nr_periods 4\nnr_throttled 2\nthrottled_time 1500000000\n")).toBe(1.5);
  });
});
