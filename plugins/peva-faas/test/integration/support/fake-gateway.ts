/**
 * Test support: a deterministic loopback FaaS target that speaks enough of the OpenFaaS gateway (and of the
 * platform-local gateway's `/metrics`) for the campaign runner, with a KNOWN capacity per function.
 *
 * - `POST|GET /function/<name>`: 200 while the function's arrival count over the last `windowMs` (1 s, the
 *   current request included) is ≤ its capacity, else 503. Nothing is queued: every request is answered as soon
 *   as its body has been read, so an open-loop load above capacity shows up as a success rate well below 0.9
 *   and never as latency.
 * - `GET /system/functions` (basic auth): `[{name, image, replicas: 1, availableReplicas: 1, invocationCount}]`.
 * - `GET /healthz`: 200.
 * - `POST /system/scale-function/<name>` (basic auth): 202, replicas stay 1.
 * - `GET /metrics`: Prometheus text format with the metric names of `queries/local.yml` (functions with
 *   `exportsMetrics: false` left out):
 *   `peva_function_invocations_total{function,code}`, `peva_function_cpu_seconds_total{function}` (grows by
 *   `cpuSecondsPerRequest` per served request) and `peva_function_resident_memory_bytes{function}`, and the node's
 *   `peva_node_*` figures: its functions summed, against a declared size (`nodeCpus`, `nodeMemoryBytes`).
 *
 * Memory is bounded: per function at most `capacity + 1` arrival timestamps are kept (enough to decide
 * "more than capacity in the window" exactly).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { timingSafeEqual } from "node:crypto";

/** One function of the fake gateway. */
export interface FakeFunction {
  readonly name: string;
  /** Requests per `windowMs` served with 200; arrivals beyond it get 503. */
  readonly capacity: number;
  /** CPU seconds charged per served request (default 0.002). */
  readonly cpuSecondsPerRequest?: number;
  /** Reported resident memory, bytes (default 32 MiB). */
  readonly residentBytes?: number;
  /**
   * false: listed and served, but absent from `/metrics` and the node's sums, as a function on an OpenFaaS whose
   * cAdvisor job is missing (default true).
   */
  readonly exportsMetrics?: boolean;
  /** The image `/system/functions` reports (default `fake/<name>:1`). */
  readonly image?: string;
}

/** Options of {@link startFakeGateway}. */
export interface FakeGatewayOptions {
  readonly functions: readonly FakeFunction[];
  /** Basic-auth user of `/system/functions` (default `admin`). */
  readonly user?: string;
  readonly password: string;
  /** Declared CPUs of the node the fake stands for (default 2). */
  readonly nodeCpus?: number;
  /** Declared memory of that node, bytes (default 2 GiB). */
  readonly nodeMemoryBytes?: number;
  /** Sliding window of the capacity check, ms (default 1000). */
  readonly windowMs?: number;
  /** Monotonic clock in ms (default `performance.now()`); injectable for unit use. */
  readonly now?: () => number;
}

/** Per-function counters. */
export interface FakeFunctionStats {
  readonly ok: number;
  readonly rejected: number;
}

/** A started fake gateway. */
export interface FakeGateway {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** `127.0.0.1:<port>`, as a Prometheus scrape target. */
  readonly target: string;
  /** Counters of one function (zeros for an unknown name). */
  stats(name: string): FakeFunctionStats;
  /** The `/metrics` text as served right now. */
  metricsText(): string;
  /** Sets the replicas `/system/functions` reports for a function (1 at start): 2 or more keeps a cooldown waiting. */
  setReplicas(name: string, replicas: number): void;
  close(): Promise<void>;
}

interface FunctionState {
  readonly spec: FakeFunction;
  readonly cpuPerRequest: number;
  readonly resident: number;
  /** Replicas reported by `/system/functions`. */
  replicas: number;
  /** Arrival times (ms) inside the window, oldest first; at most capacity + 1 kept. */
  arrivals: number[];
  /** Requests answered, by HTTP status code. */
  readonly codes: Map<number, number>;
}

const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Starts the fake gateway on 127.0.0.1 and an ephemeral port. */
export async function startFakeGateway(options: FakeGatewayOptions): Promise<FakeGateway> {
  const windowMs = options.windowMs ?? 1000;
  const now = options.now ?? ((): number => performance.now());
  const user = options.user ?? "admin";
  const expectedAuth = `Basic ${Buffer.from(`${user}:${options.password}`).toString("base64")}`;
  const fns = new Map<string, FunctionState>();
  for (const f of options.functions) {
    if (!Number.isInteger(f.capacity) || f.capacity < 0) throw new RangeError(`capacity of ${f.name} must be an integer >= 0`);
    fns.set(f.name, {
      spec: f,
      cpuPerRequest: f.cpuSecondsPerRequest ?? 0.002,
      resident: f.residentBytes ?? 32 * 2 ** 20,
      replicas: 1,
      arrivals: [],
      codes: new Map(),
    });
  }

  /** Admission by arrival rate: records the arrival and returns the status to answer with. */
  const admit = (fn: FunctionState): number => {
    const t = now();
    const horizon = t - windowMs;
    let drop = 0;
    while (drop < fn.arrivals.length && fn.arrivals[drop]! <= horizon) drop++;
    if (drop > 0) fn.arrivals = fn.arrivals.slice(drop);
    fn.arrivals.push(t);
    // Bounded: beyond capacity + 1 entries the verdict ("more than capacity") cannot change.
    if (fn.arrivals.length > fn.spec.capacity + 1) fn.arrivals = fn.arrivals.slice(fn.arrivals.length - (fn.spec.capacity + 1));
    return fn.arrivals.length <= fn.spec.capacity ? 200 : 503;
  };

  const count = (fn: FunctionState, code: number): void => {
    fn.codes.set(code, (fn.codes.get(code) ?? 0) + 1);
  };

  const served = (fn: FunctionState): number => fn.codes.get(200) ?? 0;

  const metricsText = (): string => {
    const lines: string[] = [];
    const list = [...fns.values()].filter((fn) => fn.spec.exportsMetrics !== false);
    lines.push("# HELP peva_function_invocations_total Requests to a function by HTTP status code.");
    lines.push("# TYPE peva_function_invocations_total counter");
    for (const fn of list) {
      for (const [code, n] of [...fn.codes.entries()].sort((a, b) => a[0] - b[0])) {
        lines.push(`peva_function_invocations_total{function="${escapeLabel(fn.spec.name)}",code="${code}"} ${n}`);
      }
    }
    lines.push("# HELP peva_function_cpu_seconds_total CPU seconds of the function's workers.");
    lines.push("# TYPE peva_function_cpu_seconds_total counter");
    for (const fn of list) {
      lines.push(`peva_function_cpu_seconds_total{function="${escapeLabel(fn.spec.name)}"} ${(served(fn) * fn.cpuPerRequest).toFixed(6)}`);
    }
    lines.push("# HELP peva_function_resident_memory_bytes Resident memory of the function's workers.");
    lines.push("# TYPE peva_function_resident_memory_bytes gauge");
    for (const fn of list) {
      lines.push(`peva_function_resident_memory_bytes{function="${escapeLabel(fn.spec.name)}",replica="0"} ${fn.resident}`);
    }
    // The node is the functions summed (the `processes` isolation of the embedded platform).
    const gauge = (name: string, type: "counter" | "gauge", value: number) => lines.push(`# TYPE ${name} ${type}`, `${name} ${value}`);
    gauge("peva_node_cpu_seconds_total", "counter", list.reduce((sum, fn) => sum + served(fn) * fn.cpuPerRequest, 0));
    gauge("peva_node_memory_working_set_bytes", "gauge", list.reduce((sum, fn) => sum + fn.resident, 0));
    gauge("peva_node_cpu_capacity_cores", "gauge", options.nodeCpus ?? 2);
    gauge("peva_node_memory_capacity_bytes", "gauge", options.nodeMemoryBytes ?? 2 * 1024 ** 3);
    lines.push("");
    return lines.join("\n");
  };

  const send = (res: ServerResponse, status: number, body: string, contentType = "text/plain; charset=utf-8"): void => {
    res.statusCode = status;
    res.setHeader("Content-Type", contentType);
    res.end(body);
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const method = req.method ?? "GET";
    const fnMatch = /^\/function\/([^/]+)\/?$/.exec(path);
    if (fnMatch) {
      const fn = fns.get(decodeURIComponent(fnMatch[1]!));
      if (!fn) return send(res, 404, "function not found\n");
      if (method !== "POST" && method !== "GET") return send(res, 405, "method not allowed\n");
      const status = admit(fn);
      count(fn, status);
      return send(res, status, status === 200 ? "ok\n" : "over capacity\n");
    }
    if (path === "/healthz") return send(res, 200, "OK\n");
    // Replicas are fixed at 1 here; the scale call of the active cooldown is accepted (with auth) and changes nothing.
    if (/^\/system\/scale-function\/[^/]+$/.test(path) && method === "POST") {
      req.resume();
      return send(res, req.headers.authorization === expectedAuth ? 202 : 401, "");
    }
    if (path === "/metrics") return send(res, 200, metricsText(), METRICS_CONTENT_TYPE);
    if (path === "/system/functions") {
      if (!sameSecret(req.headers.authorization ?? "", expectedAuth)) {
        res.setHeader("WWW-Authenticate", 'Basic realm="fake-gateway"');
        return send(res, 401, "unauthorized\n");
      }
      const list = [...fns.values()].map((fn) => ({
        name: fn.spec.name,
        image: fn.spec.image ?? `fake/${fn.spec.name}:1`,
        replicas: fn.replicas,
        availableReplicas: fn.replicas,
        invocationCount: [...fn.codes.values()].reduce((a, b) => a + b, 0),
      }));
      return send(res, 200, JSON.stringify(list), "application/json");
    }
    return send(res, 404, "not found\n");
  };

  const server: Server = createServer((req, res) => {
    // Answer once the request body is consumed; nothing waits on anything else.
    req.on("error", () => res.destroy());
    req.resume();
    req.once("end", () => handle(req, res));
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  if (port === 0) throw new Error("fake gateway did not get a port");

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    target: `127.0.0.1:${port}`,
    stats: (name) => {
      const fn = fns.get(name);
      if (!fn) return { ok: 0, rejected: 0 };
      return { ok: served(fn), rejected: fn.codes.get(503) ?? 0 };
    },
    metricsText,
    setReplicas: (name, replicas) => {
      const fn = fns.get(name);
      if (!fn) throw new Error(`the fake gateway has no function ${name}`);
      fn.replicas = replicas;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
