/**
 * The embedded platform's plan (plan/local-platform.ts): command lines, markers, Prometheus targets and URLs on
 * loopback and on a remote host's address, the remote layout, and which input changes replace the platform.
 */
import { describe, expect, it } from "vitest";
import { hostPort } from "../../plan/host-port.ts";
import {
  localProcessSpecs,
  localPrometheusConfig,
  platformChanges,
  platformUrls,
  remotePlatformLayout,
  remoteRoot,
  type PlatformSettings,
} from "../../plan/local-platform.ts";

const PORTS = { gateway: 31001, nodeExporter: 31002, prometheus: 31003 };
const BASE = { nodePath: "/usr/bin/node", gatewayMain: "/p/plugins/platform-local/src/gateway-main.ts", stateDir: "/p/out/platform", ports: PORTS, maxReplicas: 4, queueDepth: 32, node: { cpus: 1, memoryMb: 2048, isolation: "auto" as const } };

describe("localProcessSpecs", () => {
  it("on this machine: everything on loopback, as the local stack always ran it", () => {
    const [gateway, nodeExporter, prometheus] = localProcessSpecs(BASE);
    expect(gateway).toEqual({
      name: "gateway",
      command: "/usr/bin/node",
      args: [
        "/p/plugins/platform-local/src/gateway-main.ts",
        "--host", "127.0.0.1",
        "--port", "31001",
        "--max-replicas", "4",
        "--queue-depth", "32",
        "--node-cpus", "1",
        "--node-memory-mb", "2048",
        "--node-isolation", "auto",
        "--scale-up-after-ms", "2000",
        "--scale-down-after-ms", "5000",
        "--password-file", "/p/out/platform/gateway-password",
        "--ready-file", "/p/out/platform/gateway.ready.json",
      ],
      marker: "/p/out/platform",
    });
    expect(nodeExporter).toEqual({
      name: "node-exporter",
      command: "prometheus-node-exporter",
      args: ["--web.listen-address=127.0.0.1:31002", "--collector.disable-defaults", "--collector.cpu", "--collector.meminfo", "--collector.loadavg"],
      marker: "127.0.0.1:31002",
    });
    expect(prometheus).toEqual({
      name: "prometheus",
      command: "prometheus",
      args: [
        "--config.file=/p/out/platform/prometheus.yml",
        "--storage.tsdb.path=/p/out/platform/prometheus-data",
        "--storage.tsdb.retention.time=2d",
        "--web.listen-address=127.0.0.1:31003",
      ],
      marker: "/p/out/platform",
    });
  });

  it("on a remote host: every process listens on the host's address, and each marker is on its command line", () => {
    const specs = localProcessSpecs({ ...BASE, address: "10.0.0.7" });
    const [gateway, nodeExporter, prometheus] = specs;
    expect(gateway!.args.slice(1, 3)).toEqual(["--host", "10.0.0.7"]);
    expect(nodeExporter!.args[0]).toBe("--web.listen-address=10.0.0.7:31002");
    expect(nodeExporter!.marker).toBe("10.0.0.7:31002");
    expect(prometheus!.args).toContain("--web.listen-address=10.0.0.7:31003");
    for (const spec of specs) expect([spec.command, ...spec.args].join(" ")).toContain(spec.marker);
    expect(specs.flatMap((s) => s.args).join(" ")).not.toContain("127.0.0.1");
  });

  it("an IPv6 address goes in brackets wherever a port follows it, bare where it stands alone", () => {
    const [gateway, nodeExporter, prometheus] = localProcessSpecs({ ...BASE, address: "fd00::7" });
    expect(gateway!.args.slice(1, 3)).toEqual(["--host", "fd00::7"]);
    expect(nodeExporter!.args[0]).toBe("--web.listen-address=[fd00::7]:31002");
    expect(prometheus!.args).toContain("--web.listen-address=[fd00::7]:31003");
  });
});

describe("localPrometheusConfig and platformUrls", () => {
  it("scrapes loopback by default and the host's address when given", () => {
    expect(localPrometheusConfig(PORTS)).toContain("- targets: ['127.0.0.1:31001']");
    expect(localPrometheusConfig(PORTS)).toContain("- targets: ['127.0.0.1:31002']");
    const remote = localPrometheusConfig(PORTS, "runner.lab");
    expect(remote).toContain("  - job_name: gateway\n    static_configs:\n      - targets: ['runner.lab:31001']");
    expect(remote).toContain("  - job_name: node\n    static_configs:\n      - targets: ['runner.lab:31002']");
    expect(remote).toContain("scrape_interval: 1s");
    expect(remote).not.toContain("127.0.0.1");
  });

  it("URLs name the listen address", () => {
    expect(platformUrls("10.0.0.7", PORTS)).toEqual({
      gatewayUrl: "http://10.0.0.7:31001",
      prometheusUrl: "http://10.0.0.7:31003",
      nodeExporterUrl: "http://10.0.0.7:31002",
    });
    expect(platformUrls("::1", PORTS).gatewayUrl).toBe("http://[::1]:31001");
    expect(hostPort("127.0.0.1", 80)).toBe("127.0.0.1:80");
  });
});

describe("remote layout", () => {
  it("the workdir is relative to the login user's home unless absolute", () => {
    expect(remoteRoot("/home/ubuntu", ".peva-lab")).toBe("/home/ubuntu/.peva-lab");
    expect(remoteRoot("/home/ubuntu", "/srv/peva//lab/")).toBe("/srv/peva/lab");
    expect(remoteRoot("/home/ubuntu", ".peva-lab/")).toBe("/home/ubuntu/.peva-lab");
  });

  it("Node, the gateway and the state dir come from what runner setup installed under the root", () => {
    expect(remotePlatformLayout("/home/ubuntu/.peva-lab", "10.0.0.7")).toEqual({
      address: "10.0.0.7",
      stateDir: "/home/ubuntu/.peva-lab/platform",
      nodePath: "/home/ubuntu/.peva-lab/bin/node",
      gatewayMain: "/home/ubuntu/.peva-lab/bundle/plugins/platform-local/src/gateway-main.ts",
      binDir: "/home/ubuntu/.peva-lab/bin",
    });
  });
});

describe("platformChanges", () => {
  const local: PlatformSettings = { stateDir: "output/local/platform", maxReplicas: 4, queueDepth: 32, node: { cpus: 1, memoryMb: 2048, isolation: "auto" as const }, providerVersion: "2" };
  const remote: PlatformSettings = {
    ...local,
    remote: { connection: { host: "10.0.0.7", port: 22, user: "ubuntu", knownHosts: "10.0.0.7 ssh-ed25519 AAAA" }, workdir: ".peva-lab" },
    privateKey: "KEY-1",
  };

  it("nothing changed: nothing to do", () => {
    expect(platformChanges(local, { ...local })).toEqual({ replaces: [], credentials: [] });
    expect(platformChanges(remote, structuredClone(remote))).toEqual({ replaces: [], credentials: [] });
  });

  it("settings and the provider version replace the platform", () => {
    expect(platformChanges(local, { ...local, maxReplicas: 8, providerVersion: "3" }).replaces).toEqual(["maxReplicas", "providerVersion"]);
    expect(platformChanges(local, { ...local, node: { cpus: 2, memoryMb: 1024, isolation: "processes" } }).replaces).toEqual([
      "node.cpus",
      "node.memoryMb",
      "node.isolation",
    ]);
  });

  it("another host, port, user or workdir, or a move between here and a host, replaces it", () => {
    const moved = (change: Partial<NonNullable<PlatformSettings["remote"]>["connection"]>, workdir = ".peva-lab"): PlatformSettings => ({
      ...remote,
      remote: { connection: { ...remote.remote!.connection, ...change }, workdir },
    });
    expect(platformChanges(remote, moved({ host: "10.0.0.8" })).replaces).toEqual(["remote"]);
    expect(platformChanges(remote, moved({ port: 2222 })).replaces).toEqual(["remote"]);
    expect(platformChanges(remote, moved({ user: "peva" })).replaces).toEqual(["remote"]);
    expect(platformChanges(remote, moved({}, "lab")).replaces).toEqual(["remote"]);
    expect(platformChanges(local, remote).replaces).toEqual(["remote"]);
    expect(platformChanges(remote, local).replaces).toEqual(["remote"]);
  });

  it("new credentials are an update, not a new platform", () => {
    const rotated: PlatformSettings = {
      ...remote,
      remote: { ...remote.remote!, connection: { ...remote.remote!.connection, knownHosts: "10.0.0.7 ssh-ed25519 BBBB" } },
      privateKey: "KEY-2",
    };
    expect(platformChanges(remote, rotated)).toEqual({ replaces: [], credentials: ["remote.connection.knownHosts", "privateKey"] });
  });
});
