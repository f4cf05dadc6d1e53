/**
 * The platform's node for real: `peva-local-gateway` with a declared size puts itself and every worker into a
 * cgroup of that size (this machine: cgroup v1 as root), holds them to its CPU quota, reports the node's own usage,
 * and removes the cgroup when it stops (or, after a kill -9, when the next gateway starts). Without a cgroup
 * (`processes`, or an unprivileged user) the node is the platform's processes summed, and says so.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { alive, childrenOf, cliGateways, GATEWAY_MAIN, invoke, metric, request, scrape, waitFor } from "./helpers.ts";

// SIGTERM after each test, so a gateway removes its cgroup as it would in use.
const gateways = cliGateways("peva-local-node-", "node-secret", "SIGTERM");
const { dir, passwordFile } = gateways;
const start = (name: string, extra: readonly string[]) => gateways.start(name, extra);
afterEach(() => gateways.stopAll());
afterAll(() => gateways.remove());

/** `controller → cgroup path` of a process (`""` for the v2 line). */
function cgroupsOf(pid: number): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of readFileSync(`/proc/${pid}/cgroup`, "utf8").trim().split("\n")) {
    const [, controllers = "", path = ""] = line.split(":");
    for (const c of controllers === "" ? [""] : controllers.split(",")) out.set(c, path);
  }
  return out;
}

/** The directory of a process's cgroup for a controller on this machine (v1: per-controller mounts; v2: unified). */
function cgroupDir(pid: number, controller: "cpu" | "cpuacct" | "memory"): string {
  const cgroups = cgroupsOf(pid);
  const v1 = cgroups.get(controller);
  if (v1 !== undefined) {
    const mount = ["/sys/fs/cgroup/" + controller, "/sys/fs/cgroup/cpu,cpuacct"].find((m) => existsSync(m));
    if (mount) return join(mount, v1);
  }
  return join("/sys/fs/cgroup", cgroups.get("") ?? "/");
}

/** Directories named after gateway `pid`'s node anywhere under /sys/fs/cgroup. */
function nodeDirs(pid: number): string[] {
  return execFileSync("find", ["/sys/fs/cgroup", "-maxdepth", "6", "-type", "d", "-name", `peva-lab-node-${pid}`], { encoding: "utf8" })
    .split("\n")
    .filter((l) => l !== "");
}

describe("the node as a cgroup", () => {
  it("holds the gateway and its workers, sized as declared, and is removed on SIGTERM", async () => {
    const g = await start("sized", ["--functions", "figlet,shasum", "--node-cpus", "1", "--node-memory-mb", "512", "--node-isolation", "cgroup"]);
    const info = JSON.parse((await request(`${g.url}/system/info`, { password: "node-secret" })).text) as { node: Record<string, unknown> };
    expect(info.node["isolation"]).toMatch(/^cgroup-v[12]$/);
    expect(info.node).toMatchObject({ cpus: 1, memoryBytes: 512 * 1024 ** 2 });
    const node = `peva-lab-node-${g.pid}`;
    const workers = childrenOf(g.pid);
    expect(workers).toHaveLength(2);
    for (const pid of [g.pid, ...workers]) {
      for (const controller of ["cpu", "memory"] as const) expect(cgroupDir(pid, controller).endsWith(`/${node}`)).toBe(true);
    }
    if (info.node["isolation"] === "cgroup-v1") {
      expect(readFileSync(join(cgroupDir(g.pid, "cpu"), "cpu.cfs_quota_us"), "utf8").trim()).toBe("100000");
      expect(readFileSync(join(cgroupDir(g.pid, "memory"), "memory.limit_in_bytes"), "utf8").trim()).toBe(String(512 * 1024 ** 2));
    } else {
      expect(readFileSync(join(cgroupDir(g.pid, "cpu"), "cpu.max"), "utf8").trim()).toBe("100000 100000");
      expect(readFileSync(join(cgroupDir(g.pid, "memory"), "memory.max"), "utf8").trim()).toBe(String(512 * 1024 ** 2));
    }
    const m = await scrape(g.url);
    expect(metric(m, "peva_node_cpu_capacity_cores")).toBe(1);
    expect(metric(m, "peva_node_memory_capacity_bytes")).toBe(512 * 1024 ** 2);
    expect(metric(m, "peva_node_memory_working_set_bytes")).toBeGreaterThan(10 * 1024 ** 2);

    g.child.kill("SIGTERM");
    expect(await g.exited).toEqual({ code: 0, signal: null });
    await waitFor("the workers to exit", () => (workers.some(alive) ? undefined : true), 10_000);
    expect(nodeDirs(g.pid)).toEqual([]);
  });

  it("holds the node to its declared CPU (pinned where a core is left, else by the quota): two busy workers share one CPU", async () => {
    // About a third of a CPU-second of hashing per request (the work knob), two workers, four requests at once:
    // twice the node's size while they run.
    const g = await start("quota", ["--functions", "shasum", "--min-replicas", "2", "--max-replicas", "2", "--iterations", "shasum=500000", "--node-cpus", "1", "--node-memory-mb", "512", "--node-isolation", "cgroup"]);
    const info = JSON.parse((await request(`${g.url}/system/info`, { password: "node-secret" })).text) as { node: { cpuset?: string } };
    const before = await scrape(g.url);
    const t0 = performance.now();
    const replies = await Promise.all([0, 1, 2, 3].map(() => invoke(g.url, "shasum", "x", 120_000)));
    const wallSeconds = (performance.now() - t0) / 1000;
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const after = await scrape(g.url);
    const used = metric(after, "peva_node_cpu_seconds_total") - metric(before, "peva_node_cpu_seconds_total");
    const workers = metric(after, 'peva_function_cpu_seconds_total{function="shasum"}') - metric(before, 'peva_function_cpu_seconds_total{function="shasum"}');
    // The node's counter covers its workers' CPU (and the gateway's on top).
    expect(used).toBeGreaterThanOrEqual(workers * 0.95);
    // Two workers wanting two CPUs got one between them (a bound on a ratio, not a speed target).
    expect(used / wallSeconds).toBeLessThan(1.15);
    if (info.node.cpuset !== undefined) {
      // Pinned (a core was left for the rest): the workers may run on the node's cores only.
      for (const pid of childrenOf(g.pid)) expect(/^Cpus_allowed_list:\s*(\S+)$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]).toBe(info.node.cpuset);
    } else {
      // Not pinned: the quota did it.
      expect(metric(after, "peva_node_cpu_throttled_seconds_total")).toBeGreaterThan(0);
    }
  });

  it("after a kill -9 the empty cgroup stays, and the next gateway removes it", async () => {
    const g = await start("killed", ["--functions", "env", "--node-cpus", "1", "--node-memory-mb", "256", "--node-isolation", "cgroup"]);
    const workers = childrenOf(g.pid);
    process.kill(g.pid, "SIGKILL");
    await g.exited;
    await waitFor("the workers to exit", () => (workers.some(alive) ? undefined : true), 10_000);
    expect(nodeDirs(g.pid).length).toBeGreaterThan(0);
    await start("next", ["--functions", "env", "--node-cpus", "1", "--node-memory-mb", "256", "--node-isolation", "cgroup"]);
    expect(nodeDirs(g.pid)).toEqual([]);
  });

  it("refuses a node larger than the machine, naming the knob", () => {
    const cores = Number(execFileSync("nproc", { encoding: "utf8" }).trim());
    const r = spawnSync(process.execPath, [GATEWAY_MAIN, "--password-file", passwordFile, "--node-cpus", String(cores + 1), "--node-memory-mb", "256"], {
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`the node declares ${cores + 1} CPU(s) but this machine lets the platform use ${cores}: declare fewer (platform.cpus, or --node-cpus)`);
  });
});

describe("the node without a cgroup", () => {
  it("isolation 'processes': no cgroup, the node is the platform's processes summed, and /system/info says so", async () => {
    const g = await start("procs", ["--functions", "figlet", "--node-cpus", "1", "--node-memory-mb", "512", "--node-isolation", "processes"]);
    const info = JSON.parse((await request(`${g.url}/system/info`, { password: "node-secret" })).text) as { node: Record<string, unknown> };
    expect(info.node).toMatchObject({ isolation: "processes", cpus: 1, memoryBytes: 512 * 1024 ** 2 });
    expect(nodeDirs(g.pid)).toEqual([]);
    await invoke(g.url, "figlet", "hello");
    // The node's CPU is its processes' own, as /proc counts them (utime + stime of the gateway and its worker).
    const procCpu = [g.pid, ...childrenOf(g.pid)].reduce((sum, pid) => {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return sum + (Number(fields[11]) + Number(fields[12])) / 100;
    }, 0);
    const m = await scrape(g.url);
    expect(Math.abs(metric(m, "peva_node_cpu_seconds_total") - procCpu)).toBeLessThan(0.25);
    expect(m.get('peva_node_info{isolation="processes",cpuset=""}')).toBe(1);
  });

  // 'auto' as an unprivileged user falls back to the processes: the remote platform test runs it as its login user.
  it("an unprivileged user asking for 'cgroup' fails, naming why", () => {
    const asNobody = (isolation: string) =>
      spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, GATEWAY_MAIN, "--password-file", join(dir, "nobody-password"), "--functions", "env", "--node-cpus", "1", "--node-memory-mb", "256", "--node-isolation", isolation, "--port", "0", "--ready-file", join(dir, `nobody-${isolation}.json`)], {
        encoding: "utf8",
        timeout: 20_000,
        killSignal: "SIGTERM",
      });
    writeFileSync(join(dir, "nobody-password"), "x\n");
    chmodSync(join(dir, "nobody-password"), 0o644);
    const refused = asNobody("cgroup");
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain("platform node: no cgroup could be made (cannot create the node cgroup");
    expect(refused.stderr).toContain("use isolation 'auto' or 'processes' to run without one");
  });
});
