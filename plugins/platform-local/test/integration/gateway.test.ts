/** The gateway through its programmatic API: real functions in real worker processes, auth, metrics, shutdown. */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_BODIES, FUNCTION_NAMES } from "../../src/functions.ts";
import { startGateway, type Gateway } from "../../src/gateway.ts";
import { alive, childrenOf, invoke, metric, request, scrape, waitFor } from "./helpers.ts";

const PASSWORD = "integration-secret";
let gw: Gateway;

beforeAll(async () => {
  gw = await startGateway({ password: PASSWORD, maxBodyBytes: 4096 });
});
afterAll(async () => {
  await gw?.close();
});

describe("functions", () => {
  it("figlet returns the ASCII art of the body", async () => {
    const r = await invoke(gw.url, "figlet", DEFAULT_BODIES.figlet);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    const lines = r.text.split("\n");
    expect(lines[0]).toBe("  _   _      _ _         ____  _____               _ ");
    expect(lines).toContain(" |_| |_|\\___|_|_|\\___/  |____/|_|  \\__,_|\\__,_|___(_)");
    expect(Number(r.headers.get("x-duration-seconds"))).toBeGreaterThan(0);
    expect(r.headers.get("x-call-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("shasum equals node:crypto's SHA-256 of the body, bytes included", async () => {
    for (const body of [DEFAULT_BODIES.shasum, "", "héllo wörld\n"]) {
      const r = await invoke(gw.url, "shasum", body);
      expect(r.status).toBe(200);
      expect(r.text.trim()).toBe(createHash("sha256").update(body).digest("hex"));
    }
    const bytes = new Uint8Array([0, 255, 128, 10, 13]);
    const r = await invoke(gw.url, "shasum", bytes);
    expect(r.text.trim()).toBe(createHash("sha256").update(bytes).digest("hex"));
  });

  it("markdown renders HTML", async () => {
    const r = await invoke(gw.url, "markdown", DEFAULT_BODIES.markdown);
    expect(r.status).toBe(200);
    expect(r.text).toContain("<h1>Title</h1>");
    expect(r.text).toContain("<strong>Hello</strong>");
  });

  it("qrcode returns an SVG", async () => {
    const r = await invoke(gw.url, "qrcode", DEFAULT_BODIES.qrcode);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("image/svg+xml");
    expect(r.text.length).toBeGreaterThan(500);
    expect(r.text).toMatch(/^<svg /);
  });

  it("qrcode of an empty body is a function error: 500 with the message", async () => {
    const r = await invoke(gw.url, "qrcode", "");
    expect(r.status).toBe(500);
    expect(r.text).not.toBe("");
  });

  it("env shows the replica's own environment and the request, not the gateway's", async () => {
    process.env["PEVA_TEST_SECRET"] = "must-not-leak";
    try {
      const r = await request(`${gw.url}/function/env/some/path?x=1`, { method: "GET", headers: { "X-Custom": "yes" } });
      expect(r.status).toBe(200);
      expect(r.text).toContain("fprocess=peva-local/env\n");
      expect(r.text).toMatch(/^HOSTNAME=env-\d+$/m);
      expect(r.text).toContain("Http_Method=GET\n");
      expect(r.text).toContain("Http_Path=/some/path\n");
      expect(r.text).toContain("Http_Query=x=1\n");
      expect(r.text).toContain("Http_X_Custom=yes\n");
      expect(r.text).not.toContain("must-not-leak");
    } finally {
      delete process.env["PEVA_TEST_SECRET"];
    }
  });

  it("answers GET as well as POST, 404 for unknown functions, 413 for oversized bodies", async () => {
    expect((await request(`${gw.url}/function/figlet`)).status).toBe(200);
    const unknown = await invoke(gw.url, "nope", "x");
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain("nope");
    expect((await invoke(gw.url, "toString", "x")).status).toBe(404);
    expect((await invoke(gw.url, "%zz", "x")).status).toBe(404);
    expect((await invoke(gw.url, "shasum", "x".repeat(5000))).status).toBe(413);
    expect((await request(`${gw.url}/nowhere`)).status).toBe(404);
  });
});

describe("system API and health", () => {
  it("/healthz needs no auth", async () => {
    const r = await request(`${gw.url}/healthz`);
    expect(r.status).toBe(200);
    expect(r.text).toBe("OK");
  });

  it("/system/functions demands basic auth like OpenFaaS", async () => {
    for (const password of [undefined, "wrong"]) {
      const r = await request(`${gw.url}/system/functions`, password === undefined ? {} : { password });
      expect(r.status).toBe(401);
      expect(r.headers.get("www-authenticate")).toBe('Basic realm="Restricted"');
    }
    expect((await request(`${gw.url}/system/function/figlet`)).status).toBe(401);
  });

  it("/system/functions lists every function like OpenFaaS", async () => {
    const r = await request(`${gw.url}/system/functions`, { password: PASSWORD });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("application/json");
    const list = JSON.parse(r.text) as Record<string, unknown>[];
    expect(list.map((f) => f["name"])).toEqual([...FUNCTION_NAMES]);
    for (const f of list) {
      expect(f).toEqual({
        name: f["name"],
        image: `peva-local/${String(f["name"])}`,
        replicas: 1,
        availableReplicas: 1,
        invocationCount: expect.any(Number),
        envVars: {},
        labels: {},
        annotations: {},
      });
    }
    const one = await request(`${gw.url}/system/function/shasum`, { password: PASSWORD });
    expect(JSON.parse(one.text)).toMatchObject({ name: "shasum", replicas: 1 });
    expect((await request(`${gw.url}/system/function/nope`, { password: PASSWORD })).status).toBe(404);
  });

  it("/system/scale-function sets the replicas at once, clamped to min..max, with OpenFaaS's body and answer", async () => {
    const scale = (name: string, body: unknown, password: string | null = PASSWORD) =>
      request(`${gw.url}/system/scale-function/${name}`, { method: "POST", body: JSON.stringify(body), ...(password === null ? {} : { password }) });
    const replicasOf = async (name: string) => (JSON.parse((await request(`${gw.url}/system/function/${name}`, { password: PASSWORD })).text) as { replicas: number }).replicas;
    const workers = () => childrenOf(process.pid).length;
    const before = workers();

    expect((await scale("qrcode", { serviceName: "qrcode", replicas: 3 })).status).toBe(202);
    expect(await replicasOf("qrcode")).toBe(3);
    await waitFor("two more workers", () => (workers() === before + 2 ? true : undefined), 15_000);
    // Above the maximum (4 by default) is clamped; back to the minimum retires the extra workers.
    expect((await scale("qrcode", { serviceName: "qrcode", replicas: 99 })).status).toBe(202);
    expect(await replicasOf("qrcode")).toBe(4);
    expect((await scale("qrcode", { replicas: 0 })).status).toBe(202);
    expect(await replicasOf("qrcode")).toBe(1);
    await waitFor("the extra workers to exit", () => (workers() === before ? true : undefined), 15_000);

    expect((await scale("qrcode", { replicas: 2 }, null)).status).toBe(401);
    expect((await scale("qrcode", { replicas: 2 }, "wrong")).status).toBe(401);
    expect((await scale("nope", { replicas: 2 })).status).toBe(404);
    expect((await scale("qrcode", { serviceName: "figlet", replicas: 2 })).status).toBe(400);
    expect((await scale("qrcode", { replicas: 1.5 })).status).toBe(400);
    expect((await scale("qrcode", "two")).status).toBe(400);
    expect(await replicasOf("qrcode")).toBe(1);
  });
});

describe("metrics", () => {
  it("counters increase with invocations and the CPU of the function's workers grows under load", async () => {
    const before = await scrape(gw.url);
    const n = 40;
    for (let i = 0; i < n; i++) expect((await invoke(gw.url, "figlet", DEFAULT_BODIES.figlet)).status).toBe(200);
    const after = await scrape(gw.url);

    const d = (series: string) => metric(after, series) - metric(before, series);
    expect(d('peva_function_invocations_total{function="figlet",code="200"}')).toBe(n);
    expect(d('gateway_function_invocation_total{function_name="figlet",code="200"}')).toBe(n);
    expect(d('peva_function_duration_seconds_count{function="figlet"}')).toBe(n);
    expect(d('peva_function_duration_seconds_bucket{function="figlet",le="+Inf"}')).toBe(n);
    // 40 × 150 figlet renders are tens of milliseconds of CPU on any machine; the counter sees it.
    expect(d('peva_function_cpu_seconds_total{function="figlet"}')).toBeGreaterThan(0.05);
    // Nobody called markdown in the meantime: its CPU must not be charged with figlet's work.
    expect(d('peva_function_cpu_seconds_total{function="markdown"}')).toBeLessThan(0.05);
    expect(metric(after, 'peva_function_resident_memory_bytes{function="figlet"}')).toBeGreaterThan(10 * 1024 * 1024);
    expect(metric(after, 'peva_function_replicas{function="figlet"}')).toBeGreaterThanOrEqual(1);
    expect(metric(after, 'gateway_service_count{function_name="figlet"}')).toBeGreaterThanOrEqual(1);
    expect(metric(after, 'peva_function_queue_depth{function="figlet"}')).toBe(0);

    const listed = JSON.parse((await request(`${gw.url}/system/functions`, { password: PASSWORD })).text) as { name: string; invocationCount: number }[];
    expect(listed.find((f) => f.name === "figlet")?.invocationCount).toBeGreaterThanOrEqual(n);
  });

  it("/metrics needs no auth and uses the 0.0.4 text format", async () => {
    const r = await request(`${gw.url}/metrics`);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  });
});

describe("close", () => {
  it("stops every worker and the listener", async () => {
    const g = await startGateway({ password: "x", functions: ["shasum", "figlet"], minReplicas: 2, maxReplicas: 2 });
    const pids = Object.values(g.workerPids()).flat();
    expect(pids).toHaveLength(4);
    expect(childrenOf(process.pid)).toEqual(expect.arrayContaining(pids));
    await g.close();
    await g.close(); // idempotent
    await waitFor("workers to exit", () => (pids.some(alive) ? undefined : true), 5_000);
    await expect(request(`${g.url}/healthz`, { timeoutMs: 2_000 })).rejects.toThrow();
  });

  it("refuses invalid options and an unreadable password file without leaving workers behind", async () => {
    await expect(startGateway({ password: "x", minReplicas: 3, maxReplicas: 2 })).rejects.toThrow(/minReplicas/);
    await expect(startGateway({ passwordFile: "/nonexistent/peva-password" })).rejects.toThrow(/ENOENT/);
    const before = childrenOf(process.pid).length;
    await expect(startGateway({ password: "x", functions: ["env"], port: gw.port })).rejects.toThrow(/EADDRINUSE/);
    await waitFor("workers of the failed start to exit", () => (childrenOf(process.pid).length <= before ? true : undefined), 5_000);
  });
});
