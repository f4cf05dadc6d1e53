/** A real Prometheus scrapes the gateway every second and sees the invocation rate rise under load. */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireTool } from "../../../../test/support/toolchain.ts";
import { DEFAULT_BODIES } from "../../src/functions.ts";
import { startGateway, type Gateway } from "../../src/gateway.ts";
import { freePort, invoke, request, waitFor } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "peva-local-prom-"));
let gw: Gateway;
let prom: ChildProcess | undefined;
let promUrl = "";
let promLog = "";

beforeAll(async () => {
  const prometheus = requireTool("prometheus");
  gw = await startGateway({ password: "prom", functions: ["shasum"] });
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  const config = join(dir, "prometheus.yml");
  writeFileSync(
    config,
    [
      "global:",
      "  scrape_interval: 1s",
      "  evaluation_interval: 1s",
      "scrape_configs:",
      "  - job_name: peva-local-gateway",
      `    static_configs: [{ targets: ['127.0.0.1:${gw.port}'] }]`,
      "",
    ].join("\n"),
  );
  prom = spawn(prometheus, [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  prom.stderr?.on("data", (d: Buffer) => {
    promLog = (promLog + d.toString()).slice(-4_000);
  });
  await waitFor(
    "Prometheus to be ready",
    async () => {
      if (prom?.exitCode !== null) throw new Error(`prometheus exited: ${promLog}`);
      const r = await request(`${promUrl}/-/ready`, { timeoutMs: 2_000 }).catch(() => undefined);
      return r?.status === 200 ? true : undefined;
    },
    30_000,
    200,
  );
});

afterAll(async () => {
  if (prom && prom.exitCode === null) {
    const exited = new Promise((r) => prom?.once("exit", r));
    prom.kill("SIGTERM");
    const timer = setTimeout(() => prom?.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  }
  await gw?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function instant(query: string): Promise<number | undefined> {
  const r = await request(`${promUrl}/api/v1/query?query=${encodeURIComponent(query)}`, { timeoutMs: 5_000 });
  const body = JSON.parse(r.text) as { status: string; data?: { result?: { value: [number, string] }[] } };
  const v = body.data?.result?.[0]?.value[1];
  return v === undefined ? undefined : Number(v);
}

describe("Prometheus scraping the gateway", () => {
  it("sees rate(peva_function_invocations_total[5s]) > 0 under load and the function's CPU", async () => {
    await waitFor("the gateway target to be up", async () => ((await instant('up{job="peva-local-gateway"}')) === 1 ? true : undefined), 20_000, 250);

    // Bounded load: at most 8 s or 2000 requests, 4 at a time, while polling Prometheus for a positive rate.
    const deadline = Date.now() + 8_000;
    let sent = 0;
    let loading = true;
    const client = async () => {
      while (loading && Date.now() < deadline && sent < 2_000) {
        sent++;
        await invoke(gw.url, "shasum", DEFAULT_BODIES.shasum, 10_000);
      }
    };
    const clients = Array.from({ length: 4 }, client);
    let rate: number;
    try {
      rate = await waitFor(
        "a positive invocation rate in Prometheus",
        async () => {
          const v = await instant('sum(rate(peva_function_invocations_total{function="shasum",code="200"}[5s]))');
          return v !== undefined && v > 0 ? v : undefined;
        },
        15_000,
        500,
      );
    } finally {
      loading = false;
      await Promise.all(clients);
    }
    expect(rate).toBeGreaterThan(0);
    expect(sent).toBeGreaterThan(0);
    const cpu = await instant('sum(rate(peva_function_cpu_seconds_total{function="shasum"}[5s]))');
    expect(cpu).toBeGreaterThan(0);
    expect(await instant('gateway_service_count{function_name="shasum"}')).toBeGreaterThanOrEqual(1);
  });
});
