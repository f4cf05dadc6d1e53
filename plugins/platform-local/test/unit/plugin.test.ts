import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadPlugin, parsePackageManifest, PlatformPlugin } from "@peva-lab/core";
import LocalPlatformPlugin, { GATEWAY_MAIN } from "../../src/plugin.ts";
import { parseCli } from "../../src/cli.ts";

const PKG_DIR = resolve(import.meta.dirname, "../..");
const tmp = mkdtempSync(join(tmpdir(), "platform-local-plugin-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("platform-local plugin", () => {
  it("is a PlatformPlugin with the declared metadata", () => {
    const p = new LocalPlatformPlugin();
    expect(p).toBeInstanceOf(PlatformPlugin);
    expect({ name: p.name, type: p.type, version: p.version, apiVersion: p.apiVersion }).toEqual({
      name: "platform-local",
      type: "platform",
      version: "0.1.0",
      apiVersion: "1.0",
    });
    expect(p.description).not.toBe("");
    expect([...p.requiredExtras].sort()).toEqual(["figlet", "marked", "qrcode"]);
  });

  it("loads through the framework from its package manifest", async () => {
    const pkg = JSON.parse(readFileSync(join(PKG_DIR, "package.json"), "utf8")) as unknown;
    const parsed = parsePackageManifest(pkg, PKG_DIR, "workspace");
    expect(parsed.problems).toEqual([]);
    const descriptor = parsed.descriptors.find((d) => d.name === "platform-local");
    expect(descriptor?.type).toBe("platform");
    if (descriptor?.type !== "platform") return;
    const plugin = await loadPlugin(descriptor);
    expect(plugin.name).toBe("platform-local");
    expect(plugin.version).toBe((pkg as { version: string }).version);
  });

  it("ships a queries file naming its own metrics", () => {
    const file = new LocalPlatformPlugin().queriesFile();
    expect(existsSync(file)).toBe(true);
    const text = readFileSync(file, "utf8");
    expect(text).toContain("peva_function_cpu_seconds_total");
    expect(text).toContain("peva_function_resident_memory_bytes");
  });

  it("reports the configured endpoints, preferring the ready file", () => {
    const p = new LocalPlatformPlugin();
    expect(p.endpoints()).toEqual({ gatewayUrl: "http://127.0.0.1:8080", prometheusUrl: "http://127.0.0.1:9090" });
    const readyFile = join(tmp, "ready.json");
    p.configure(p.configSchema.parse({ type: "local", readyFile, prometheusUrl: "http://127.0.0.1:9999" }));
    expect(p.endpoints().gatewayUrl).toBe("http://127.0.0.1:8080");
    writeFileSync(readyFile, JSON.stringify({ pid: 1, port: 4321, url: "http://127.0.0.1:4321" }));
    expect(p.endpoints()).toEqual({ gatewayUrl: "http://127.0.0.1:4321", prometheusUrl: "http://127.0.0.1:9999" });
  });

  it("builds a gateway command the CLI accepts", () => {
    const p = new LocalPlatformPlugin();
    p.configure(p.configSchema.parse({ maxReplicas: 6, queueDepth: 8, functions: ["figlet"] }));
    const argv = p.gatewayCommand({ passwordFile: "/pw", readyFile: "/ready.json" });
    expect(argv[1]).toBe(GATEWAY_MAIN);
    expect(parseCli(argv.slice(2))).toEqual({
      options: { host: "127.0.0.1", port: 0, functions: ["figlet"], maxReplicas: 6, queueDepth: 8, passwordFile: "/pw" },
      readyFile: "/ready.json",
      help: false,
    });
  });

  it("is unhealthy when no gateway answers", async () => {
    const p = new LocalPlatformPlugin();
    // Port 1 on loopback is never a gateway: the connection is refused at once.
    p.configure(p.configSchema.parse({ gatewayUrl: "http://127.0.0.1:1" }));
    expect((await p.healthCheck()).state).toBe("unhealthy");
  });
});
