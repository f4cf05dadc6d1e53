import { describe, expect, it } from "vitest";
import { parseCli } from "../../src/cli.ts";
import { gatewayOptionsSchema } from "../../src/options.ts";

describe("parseCli", () => {
  it("maps the documented flags onto gateway options", () => {
    const cmd = parseCli([
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      "--functions",
      "figlet,shasum,env,markdown,qrcode",
      "--max-replicas",
      "4",
      "--queue-depth",
      "32",
      "--password-file",
      "/tmp/pw",
      "--ready-file",
      "/tmp/ready.json",
    ]);
    expect(cmd).toEqual({
      options: {
        host: "127.0.0.1",
        port: 0,
        functions: ["figlet", "shasum", "env", "markdown", "qrcode"],
        maxReplicas: 4,
        queueDepth: 32,
        passwordFile: "/tmp/pw",
      },
      readyFile: "/tmp/ready.json",
      help: false,
    });
  });

  it("parses the scaling knobs and the iterations list", () => {
    const { options } = parseCli([
      "--password-file=/p",
      "--min-replicas=2",
      "--queue-timeout-ms=500",
      "--exec-timeout-ms=900",
      "--scale-interval-ms=200",
      "--rate-window-ms=2000",
      "--target-rate=2.5",
      "--scale-factor=50",
      "--scale-up-after-ms=0",
      "--scale-down-after-ms=1000",
      "--max-body-bytes=10",
      "--iterations",
      "figlet=3, shasum=1",
    ]);
    expect(options).toMatchObject({
      minReplicas: 2,
      queueTimeoutMs: 500,
      execTimeoutMs: 900,
      scaleIntervalMs: 200,
      rateWindowMs: 2000,
      targetRatePerReplica: 2.5,
      scaleFactorPercent: 50,
      scaleUpAfterMs: 0,
      scaleDownAfterMs: 1000,
      maxBodyBytes: 10,
      iterations: { figlet: 3, shasum: 1 },
    });
    expect(gatewayOptionsSchema.safeParse(options).success).toBe(true);
  });

  it("maps the node flags onto the node option, isolation defaulting to auto", () => {
    const { options } = parseCli(["--password-file", "/p", "--node-cpus", "2", "--node-memory-mb", "1536", "--node-isolation", "cgroup"]);
    expect(options.node).toEqual({ cpus: 2, memoryMb: 1536, isolation: "cgroup" });
    expect(gatewayOptionsSchema.parse(parseCli(["--password-file", "/p", "--node-cpus", "1", "--node-memory-mb", "512"]).options).node).toEqual({
      cpus: 1,
      memoryMb: 512,
      isolation: "auto",
    });
    expect(parseCli(["--password-file", "/p"]).options.node).toBeUndefined();
    expect(gatewayOptionsSchema.safeParse(parseCli(["--password-file", "/p", "--node-cpus", "1", "--node-memory-mb", "512", "--node-isolation", "vm"]).options).success).toBe(false);
  });

  it.each([
    [["--password-file", "/p", "--node-cpus", "1"], /--node-cpus and --node-memory-mb go together/],
    [["--password-file", "/p", "--node-isolation", "cgroup"], /--node-cpus and --node-memory-mb go together/],
    [["--password-file", "/p", "--node-cpus", "1.5", "--node-memory-mb", "512"], /--node-cpus: '1.5' is not a whole number/],
    [["--port", "80", "--password-file", "/p", "--bogus"], /bogus/],
    [["--port", "eighty", "--password-file", "/p"], /--port: 'eighty' is not a number/],
    [["--port", ""], /--port/],
    [["--functions", "figlet,ls", "--password-file", "/p"], /unknown function 'ls'/],
    [["--iterations", "figlet=0", "--password-file", "/p"], /positive integer/],
    [["--iterations", "rm=1", "--password-file", "/p"], /unknown function 'rm'/],
    [["--port", "0"], /--password-file is required/],
    [["positional", "--password-file", "/p"], /positional/i],
  ])("rejects %j", (argv, message) => {
    expect(() => parseCli(argv)).toThrow(message);
  });

  it("--help needs nothing else", () => {
    expect(parseCli(["--help"]).help).toBe(true);
  });
});

describe("gatewayOptionsSchema", () => {
  it("applies the documented defaults", () => {
    expect(gatewayOptionsSchema.parse({ password: "x" })).toMatchObject({
      host: "127.0.0.1",
      port: 0,
      functions: ["figlet", "shasum", "env", "markdown", "qrcode"],
      minReplicas: 1,
      maxReplicas: 4,
      queueDepth: 32,
      queueTimeoutMs: 10_000,
      scaleIntervalMs: 1_000,
      rateWindowMs: 10_000,
      targetRatePerReplica: 5,
      scaleFactorPercent: 20,
      scaleUpAfterMs: 5_000,
    });
  });
  it.each([
    [{}, "password"],
    [{ password: "x", passwordFile: "/p" }, "password"],
    [{ password: "x", minReplicas: 5, maxReplicas: 4 }, "minReplicas"],
    [{ password: "x", functions: ["figlet", "figlet"] }, "functions"],
    [{ password: "x", functions: [] }, "functions"],
    [{ password: "x", port: 70_000 }, "port"],
    [{ password: "x", minReplicas: 0 }, "minReplicas"],
    [{ password: "x", iterations: { ls: 1 } }, "iterations"],
    [{ password: "x", unknown: 1 }, ""],
  ])("rejects %j at %s", (raw, path) => {
    const r = gatewayOptionsSchema.safeParse(raw);
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join("."))).toContain(path);
  });
});
