/**
 * The OpenFaaS-compatible gateway on loopback: `node:http`, no framework. Routes requests to the function pools,
 * serves `/system/functions` behind basic auth, `/healthz` and Prometheus `/metrics`, and drives autoscaling.
 */
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "@peva-lab/core";
import { BASIC_AUTH_USER, checkBasicAuth, passwordFromFile, WWW_AUTHENTICATE } from "./auth.ts";
import { deploymentStatus, initialDeployment, parseDeleteRequest, parseDeployment, type Deployment, type FunctionStatusJson } from "./deployments.ts";
import { isFunctionName, type FunctionName } from "./functions.ts";
import type { Invocation } from "./handlers.ts";
import { METRICS_CONTENT_TYPE, renderMetrics, type GatewayMetricsSnapshot } from "./metrics.ts";
import { gatewayOptionsSchema, iterationsOf, type GatewayOptions, type ResolvedGatewayOptions } from "./options.ts";
import { FunctionPool } from "./pool.ts";
import { machineSize, openPlatformNode, processNode, type NodeInfo, type PlatformNode } from "./node/platform-node.ts";
import { readCpuWaitSeconds, readRssBytes } from "./proc.ts";

const MIB = 1024 * 1024;

/** A running gateway. */
export interface Gateway {
  /** The port it listens on (the chosen one when `port` was 0). */
  readonly port: number;
  /** Base URL, e.g. `http://127.0.0.1:39123`. */
  readonly url: string;
  /** Process ids of the live workers, per function (for diagnostics and tests). */
  workerPids(): Record<string, number[]>;
  /** The platform's node: its size and how it is enforced. */
  readonly node: NodeInfo;
  /** Stops accepting, answers pending requests with 503, stops every worker and waits for them. Idempotent. */
  close(): Promise<void>;
}


const silent: Logger = { log() {} };

/**
 * Validates `options`, forks the minimum replicas of every function, listens, and resolves once everything is
 * ready to serve. Rejects (after cleaning up) on invalid options, an unreadable password file, a worker that fails
 * to load, or a port in use.
 */
export async function startGateway(options: GatewayOptions, logger: Logger = silent): Promise<Gateway> {
  const o = gatewayOptionsSchema.parse(options);
  const password = o.password ?? passwordFromFile(await readFile(o.passwordFile ?? "", "utf8"));
  // Before any worker is forked: workers inherit the gateway's cgroup, so the whole platform is the node.
  const node = o.node
    ? openPlatformNode({ cpus: o.node.cpus, memoryBytes: o.node.memoryMb * MIB }, o.node.isolation, logger)
    : processNode(machineSize(), "no node size declared: the machine's size, the platform's processes summed");
  const pools = new Map<FunctionName, FunctionPool>();
  const deployments = new Map<FunctionName, Deployment>();
  for (const name of o.functions) {
    pools.set(name, new FunctionPool(poolOptions(o, name, logger, {})));
    deployments.set(name, initialDeployment(name));
  }
  const newPool = (d: Deployment) => new FunctionPool(poolOptions(o, d.service, logger, d.envVars));

  const server = createServer({ keepAlive: true }, (req, res) => {
    handle(req, res, { pools, deployments, newPool, password, options: o, node }).catch((e: unknown) => {
      logger.log("error", "gateway.request_failed", { error: e instanceof Error ? e.message : String(e) });
      if (!res.headersSent) send(res, 500, "internal error\n");
      else res.destroy();
    });
  });
  server.maxConnections = o.maxConnections;

  // Assigned once serving starts; close() may run earlier (failed startup) and must cope with none.
  const timers: { ticker?: NodeJS.Timeout } = {};
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      clearInterval(timers.ticker);
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await Promise.all([...pools.values()].map((p) => p.close()));
      // Pending requests were answered with 503 above; what is left are idle keep-alive sockets or slow clients.
      server.closeAllConnections();
      await stopped;
      // The workers have exited: the node's cgroup is empty but for this process, which leaves it now.
      await node.close();
    })();
    return closing;
  };

  try {
    await Promise.all([...pools.values()].map((p) => p.start()));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(o.port, o.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (e) {
    await close();
    throw e;
  }
  timers.ticker = setInterval(() => {
    const now = performance.now();
    for (const p of pools.values()) p.tick(now);
  }, o.scaleIntervalMs);

  const port = (server.address() as AddressInfo).port;
  const url = `http://${o.host.includes(":") ? `[${o.host}]` : o.host}:${port}`;
  logger.log("info", "gateway.listening", { url, functions: o.functions });
  return {
    port,
    url,
    workerPids: () => Object.fromEntries([...pools].map(([name, p]) => [name, p.pids()])),
    node: node.info,
    close,
  };
}

function poolOptions(o: ResolvedGatewayOptions, name: FunctionName, logger: Logger, envVars: Readonly<Record<string, string>>) {
  return {
    name,
    envVars,
    iterations: iterationsOf(o, name),
    queueDepth: o.queueDepth,
    queueTimeoutMs: o.queueTimeoutMs,
    execTimeoutMs: o.execTimeoutMs,
    rateWindowMs: o.rateWindowMs,
    startTimeoutMs: o.startTimeoutMs,
    logger,
    scaling: {
      minReplicas: o.minReplicas,
      maxReplicas: o.maxReplicas,
      targetRatePerReplica: o.targetRatePerReplica,
      scaleFactorPercent: o.scaleFactorPercent,
      scaleUpAfterMs: o.scaleUpAfterMs,
      scaleDownAfterMs: o.scaleDownAfterMs,
    },
  };
}

interface Context {
  /** The deployed functions' pools; the deploy API adds, replaces and removes entries. */
  readonly pools: Map<FunctionName, FunctionPool>;
  readonly deployments: Map<FunctionName, Deployment>;
  /** A new (not yet started) pool for a deployment. */
  readonly newPool: (d: Deployment) => FunctionPool;
  readonly password: string;
  readonly options: ResolvedGatewayOptions;
  readonly node: PlatformNode;
}

async function handle(req: IncomingMessage, res: ServerResponse, ctx: Context): Promise<void> {
  const url = new URL(req.url ?? "/", "http://gateway.invalid");
  const path = url.pathname;
  const method = req.method ?? "GET";

  const fn = /^\/function\/([^/]+)(\/.*)?$/.exec(path);
  if (fn) {
    const name = safeDecode(fn[1] ?? "");
    const pool = isFunctionName(name) ? ctx.pools.get(name) : undefined;
    const body = await readBody(req, ctx.options.maxBodyBytes);
    if (!pool) return send(res, 404, `function ${name} not found\n`);
    if (body === "too-large") return send(res, 413, `request body exceeds ${ctx.options.maxBodyBytes} bytes\n`, { Connection: "close" });
    const invocation: Invocation = { body, method, path: fn[2] ?? "/", query: url.search.replace(/^\?/, ""), headers: flatHeaders(req) };
    const startNs = BigInt(Date.now()) * 1_000_000n;
    const outcome = await pool.submit(invocation);
    const headers: Record<string, string> = { "X-Call-Id": randomUUID(), "X-Start-Time": String(startNs), "X-Queue-Seconds": outcome.queueSeconds.toFixed(6) };
    if (outcome.execSeconds !== undefined) headers["X-Duration-Seconds"] = outcome.execSeconds.toFixed(6);
    return send(res, outcome.status, outcome.body, headers, outcome.contentType);
  }

  // The one /system route with a body: read before the others' bodies are drained below.
  const scale = /^\/system\/scale-function\/([^/]+)$/.exec(path);
  if (scale && method === "POST") {
    if (!checkBasicAuth(req.headers.authorization, BASIC_AUTH_USER, ctx.password)) {
      req.resume();
      return send(res, 401, "Unauthorized\n", { "WWW-Authenticate": WWW_AUTHENTICATE });
    }
    return scaleFunction(req, res, ctx, safeDecode(scale[1] ?? ""));
  }

  // The deploy API: the other /system routes with a body.
  if (path === "/system/functions" && (method === "POST" || method === "PUT" || method === "DELETE")) {
    if (!checkBasicAuth(req.headers.authorization, BASIC_AUTH_USER, ctx.password)) {
      req.resume();
      return send(res, 401, "Unauthorized\n", { "WWW-Authenticate": WWW_AUTHENTICATE });
    }
    const raw = await readBody(req, 64 * 1024);
    if (raw === "too-large") return send(res, 400, "the request body is larger than 64 KiB\n");
    return deployRoute(res, ctx, method, Buffer.from(raw).toString("utf8"));
  }

  // Bodies of other routes are ignored but drained, so keep-alive connections stay usable.
  req.resume();
  if (path === "/healthz") return send(res, 200, "OK");
  if (path === "/metrics") return send(res, 200, renderMetrics(metricsSnapshot(ctx)), {}, METRICS_CONTENT_TYPE);
  if (path.startsWith("/system/")) {
    if (!checkBasicAuth(req.headers.authorization, BASIC_AUTH_USER, ctx.password)) {
      return send(res, 401, "Unauthorized\n", { "WWW-Authenticate": WWW_AUTHENTICATE });
    }
    if (path === "/system/functions" && (method === "GET" || method === "HEAD")) {
      return sendJson(res, 200, [...ctx.pools.keys()].map((name) => statusOf(ctx, name)));
    }
    const one = /^\/system\/function\/([^/]+)$/.exec(path);
    if (one && (method === "GET" || method === "HEAD")) {
      const name = safeDecode(one[1] ?? "");
      const pool = isFunctionName(name) ? ctx.pools.get(name) : undefined;
      return pool ? sendJson(res, 200, statusOf(ctx, name as FunctionName)) : send(res, 404, `function ${name} not found\n`);
    }
    if (path === "/system/info" && method === "GET") {
      return sendJson(res, 200, {
        provider: { provider: "peva-local", orchestration: "process", version: { release: "0.1.0" } },
        arch: process.arch,
        node: ctx.node.info,
      });
    }
  }
  return send(res, 404, "Not Found\n");
}

/**
 * `POST /system/scale-function/<name>` with `{"serviceName": "<name>", "replicas": n}` (OpenFaaS's body): sets the
 * replicas at once, clamped to min..max, and answers 202 as OpenFaaS does. 404 for an unknown function, 400 for a
 * body that is not that JSON (or names another function).
 */
async function scaleFunction(req: IncomingMessage, res: ServerResponse, ctx: Context, name: string): Promise<void> {
  const pool = isFunctionName(name) ? ctx.pools.get(name) : undefined;
  if (!pool) return send(res, 404, `function ${name} not found\n`);
  const raw = await readBody(req, 4096);
  if (raw === "too-large") return send(res, 400, "the scale request body is larger than 4 KiB\n");
  let body: { serviceName?: unknown; replicas?: unknown };
  try {
    body = JSON.parse(Buffer.from(raw).toString("utf8")) as typeof body;
  } catch {
    return send(res, 400, 'the body must be JSON: {"serviceName": "<name>", "replicas": <n>}\n');
  }
  if (typeof body !== "object" || body === null || typeof body.replicas !== "number" || !Number.isInteger(body.replicas) || body.replicas < 0) {
    return send(res, 400, "replicas must be an integer >= 0\n");
  }
  if (body.serviceName !== undefined && body.serviceName !== name) return send(res, 400, `serviceName does not match the path's function ${name}\n`);
  pool.scaleTo(body.replicas);
  return send(res, 202, "");
}

/** `/system/functions` entry of a deployed function. */
function statusOf(ctx: Context, name: FunctionName): FunctionStatusJson {
  return deploymentStatus(ctx.deployments.get(name) ?? initialDeployment(name), ctx.pools.get(name)!.status());
}

/**
 * `POST` deploys (409 when the function is deployed), `PUT` updates (404 when it is not), `DELETE` removes (404 when
 * it is not); all answer 202 as OpenFaaS does, once the change is in effect: a deployed or updated function has
 * its minimum replicas running, so readiness is immediate. An update starts the new replicas before the old ones
 * stop, so the function never disappears.
 */
async function deployRoute(res: ServerResponse, ctx: Context, method: string, body: string): Promise<void> {
  if (method === "DELETE") {
    const del = parseDeleteRequest(body);
    if ("error" in del) return send(res, 400, `${del.error}\n`);
    const name = del.functionName;
    const pool = isFunctionName(name) ? ctx.pools.get(name) : undefined;
    if (!pool) return send(res, 404, `function ${name} not found\n`);
    ctx.pools.delete(name as FunctionName);
    ctx.deployments.delete(name as FunctionName);
    await pool.close();
    return send(res, 202, "");
  }
  const d = parseDeployment(body);
  if ("error" in d) return send(res, 400, `${d.error}\n`);
  const existing = ctx.pools.get(d.service);
  if (method === "POST" && existing) return send(res, 409, `function ${d.service} already exists; update it with PUT\n`);
  if (method === "PUT" && !existing) return send(res, 404, `function ${d.service} not found\n`);
  const pool = ctx.newPool(d);
  try {
    await pool.start();
  } catch (e) {
    await pool.close();
    return send(res, 500, `function ${d.service} did not start: ${e instanceof Error ? e.message : String(e)}\n`);
  }
  ctx.pools.set(d.service, pool);
  ctx.deployments.set(d.service, d);
  await existing?.close();
  return send(res, 202, "");
}

function metricsSnapshot(ctx: Context): GatewayMetricsSnapshot {
  const cpu = process.cpuUsage();
  const functions = [...ctx.pools.values()].map((p) => p.metrics());
  const gatewayCpuSeconds = (cpu.user + cpu.system) / 1e6;
  const gatewayResidentBytes = readRssBytes(process.pid) ?? process.memoryUsage.rss();
  const totals = {
    cpuSeconds: functions.reduce((sum, f) => sum + f.cpuSeconds, gatewayCpuSeconds),
    residentBytes: functions.reduce((sum, f) => sum + f.residentBytes, gatewayResidentBytes),
  };
  return {
    functions,
    gatewayCpuSeconds,
    // 0 on a kernel without schedstats: no wait known, so never reported as contended.
    gatewayCpuWaitSeconds: readCpuWaitSeconds(process.pid) ?? 0,
    gatewayResidentBytes,
    node: { info: ctx.node.info, usage: ctx.node.usage(totals) },
  };
}

/** Reads the body up to `limit` bytes; beyond that, drains the rest and reports `too-large` (memory stays bounded). */
async function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array | "too-large"> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.byteLength;
    if (size > limit) tooLarge = true;
    if (!tooLarge) chunks.push(buf);
  }
  return tooLarge ? "too-large" : new Uint8Array(Buffer.concat(chunks, size));
}

/** Percent-decodes a path segment; a malformed one (`%zz`) stays as is and simply names no function. */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(", ") : v;
  return out;
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}, contentType = "text/plain; charset=utf-8"): void {
  const payload = Buffer.from(body, "utf8");
  res.writeHead(status, { "Content-Type": contentType, "Content-Length": String(payload.byteLength), ...headers });
  res.end(payload);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, JSON.stringify(value), {}, "application/json");
}
