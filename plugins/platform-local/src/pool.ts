/**
 * The replicas of one function: worker processes, the bounded FIFO in front of them, the autoscaling loop that
 * applies {@link decideScale}, and the CPU/RSS accounting read from /proc. This is the side-effecting shell; the
 * decisions it makes are the pure functions of `admission.ts` and `scaling.ts`.
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Logger } from "@peva-lab/core";
import { admit } from "./admission.ts";
import { CONTENT_TYPES, type FunctionName } from "./functions.ts";
import type { Invocation } from "./handlers.ts";
import { Histogram, type FunctionMetricsSnapshot } from "./metrics.ts";
import { readCpuSeconds, readCpuWaitSeconds, readRssBytes } from "./proc.ts";
import { isWorkerMessage, type InvokeMessage, type WorkerMessage } from "./protocol.ts";
import { decideScale, INITIAL_SCALING_STATE, windowRate, type RateSample, type ScalingPolicy, type ScalingState } from "./scaling.ts";

/** Absolute path of the worker module each replica runs. */
export const WORKER_PATH = fileURLToPath(new URL("./worker.ts", import.meta.url));

/** How one function's pool behaves. */
export interface PoolOptions {
  readonly name: FunctionName;
  /** The deployment's environment variables, given to every replica (the platform's own keys take precedence). */
  readonly envVars?: Readonly<Record<string, string>>;
  /** Repetitions of the real operation per request (the `iterations` work knob). */
  readonly iterations: number;
  /** Queue slots per active replica. */
  readonly queueDepth: number;
  /** A request queued longer than this gets 504. */
  readonly queueTimeoutMs: number;
  /** A request running longer than this gets 504 and its replica is killed and replaced. */
  readonly execTimeoutMs: number;
  /** Range of the successful-request rate the scaling rule looks at. */
  readonly rateWindowMs: number;
  /** The autoscaling rule's knobs (includes min/max replicas). */
  readonly scaling: ScalingPolicy;
  /** How long `start()` waits for the first replicas to load their handler. */
  readonly startTimeoutMs: number;
  readonly logger: Logger;
}

/** What the gateway sends back for one request. */
export interface Outcome {
  readonly status: number;
  readonly body: string;
  readonly contentType: string;
  /** Handler wall time as measured in the worker, when the request ran. */
  readonly execSeconds?: number;
  /** Time spent waiting in the queue. */
  readonly queueSeconds: number;
}

/** `/system/functions` view of a pool. */
export interface PoolStatus {
  readonly name: FunctionName;
  readonly replicas: number;
  readonly availableReplicas: number;
  readonly invocationCount: number;
}

interface Job {
  readonly invocation: Invocation;
  readonly arrivedMs: number;
  enqueuedMs: number;
  startedMs: number | undefined;
  queueTimer: NodeJS.Timeout | undefined;
  settled: boolean;
  readonly resolve: (outcome: Outcome) => void;
}

interface Replica {
  readonly id: number;
  readonly child: ChildProcess;
  readonly pid: number;
  state: "starting" | "idle" | "busy";
  /** Scaled away: finishes its request, then stops. Does not count for capacity. */
  draining: boolean;
  job: Job | undefined;
  invokeId: number;
  execTimer: NodeJS.Timeout | undefined;
  /** Latest known CPU seconds of the process; kept after it exits. */
  cpuSeconds: number;
  /** Latest known seconds the process waited for a CPU while runnable (main thread); kept after it exits. */
  cpuWaitSeconds: number;
  readonly ready: Promise<void>;
  readonly exited: Promise<void>;
}

const TEXT = "text/plain; charset=utf-8";

/** The replicas, queue and counters of one function. */
export class FunctionPool {
  readonly name: FunctionName;
  readonly #o: PoolOptions;
  readonly #replicas: Replica[] = [];
  readonly #queue: Job[] = [];
  readonly #invocations = new Map<number, number>();
  readonly #duration = new Histogram();
  readonly #samples: RateSample[] = [];
  #successesSinceTick = 0;
  #desired: number;
  #scalingState: ScalingState = INITIAL_SCALING_STATE;
  #nextReplicaId = 1;
  #nextInvokeId = 1;
  #retiredCpuSeconds = 0;
  #reportedCpuSeconds = 0;
  #retiredCpuWaitSeconds = 0;
  #reportedCpuWaitSeconds = 0;
  #closing = false;

  constructor(options: PoolOptions) {
    this.name = options.name;
    this.#o = options;
    this.#desired = options.scaling.minReplicas;
  }

  /** Forks the minimum replicas and resolves once they are ready; rejects if one dies or is too slow. */
  async start(): Promise<void> {
    this.#reconcile();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.name}: replicas not ready after ${this.#o.startTimeoutMs} ms`)), this.#o.startTimeoutMs);
    });
    try {
      await Promise.race([Promise.all(this.#replicas.map((r) => r.ready)), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Admits, queues or rejects one request; the promise always resolves (errors become status codes). */
  submit(invocation: Invocation): Promise<Outcome> {
    return new Promise<Outcome>((resolve) => {
      const now = performance.now();
      const job: Job = { invocation, arrivedMs: now, enqueuedMs: now, startedMs: undefined, queueTimer: undefined, settled: false, resolve };
      if (this.#closing) {
        this.#settle(job, { status: 503, body: "the gateway is shutting down\n", contentType: TEXT, queueSeconds: 0 }, false);
        return;
      }
      const idle = this.#idleReplica();
      const decision = admit({
        idleReplicas: idle === undefined ? 0 : 1,
        queued: this.#queue.length,
        activeReplicas: this.#active().length,
        queueDepth: this.#o.queueDepth,
      });
      if (decision === "dispatch" && idle !== undefined) {
        this.#dispatch(idle, job);
      } else if (decision === "reject") {
        const body = `the queue of ${this.name} is full (${this.#queue.length} waiting)\n`;
        this.#settle(job, { status: 429, body, contentType: TEXT, queueSeconds: 0 }, false);
      } else {
        this.#queue.push(job);
        job.queueTimer = setTimeout(() => this.#expire(job), this.#o.queueTimeoutMs);
        // Normally a no-op (replicas pull from the queue when they free up); cheap insurance against a stall.
        this.#pump();
      }
    });
  }

  /**
   * One autoscaling evaluation: records the successes since the last tick, applies the scaling rule, replaces
   * crashed replicas, and refreshes the CPU samples so an exited worker loses at most one tick of CPU time.
   */
  tick(nowMs: number): void {
    if (this.#closing) return;
    this.#samples.push({ atMs: nowMs, count: this.#successesSinceTick });
    this.#successesSinceTick = 0;
    while (this.#samples.length > 0 && (this.#samples[0]?.atMs ?? nowMs) <= nowMs - this.#o.rateWindowMs) this.#samples.shift();
    const decision = decideScale(this.#o.scaling, this.#scalingState, {
      nowMs,
      replicas: this.#desired,
      ratePerSecond: windowRate(this.#samples, nowMs, this.#o.rateWindowMs),
      queued: this.#queue.length,
    });
    this.#scalingState = decision.state;
    if (decision.replicas !== this.#desired) {
      this.#o.logger.log("info", "gateway.scale", { function: this.name, from: this.#desired, to: decision.replicas, action: decision.action });
      this.#desired = decision.replicas;
    }
    this.#reconcile();
    for (const r of this.#replicas) this.#sampleCpu(r);
  }

  /**
   * Sets the replicas now (clamped to the scaling rule's min..max) and restarts the rule's observation: the rate
   * window and hot/cool timers start empty, as after OpenFaaS's scaling alert resolves, so the load that just ended
   * does not scale the function straight back up. Returns the replicas set.
   */
  scaleTo(replicas: number): number {
    if (this.#closing) return this.#desired;
    const { minReplicas, maxReplicas } = this.#o.scaling;
    const target = Math.min(maxReplicas, Math.max(minReplicas, Math.trunc(replicas)));
    this.#samples.length = 0;
    this.#successesSinceTick = 0;
    this.#scalingState = INITIAL_SCALING_STATE;
    if (target !== this.#desired) {
      this.#o.logger.log("info", "gateway.scale", { function: this.name, from: this.#desired, to: target, action: "api" });
      this.#desired = target;
    }
    this.#reconcile();
    return target;
  }

  /** Counters and gauges for `/metrics`; reads /proc for the live workers. */
  metrics(): FunctionMetricsSnapshot {
    let residentBytes = 0;
    for (const r of this.#replicas) {
      this.#sampleCpu(r);
      residentBytes += readRssBytes(r.pid) ?? 0;
    }
    return {
      name: this.name,
      invocations: new Map(this.#invocations),
      duration: this.#duration,
      replicas: this.#active().length,
      availableReplicas: this.#available(),
      busyReplicas: this.#replicas.filter((r) => r.state === "busy").length,
      queued: this.#queue.length,
      cpuSeconds: this.#cpuSeconds(),
      cpuWaitSeconds: this.#cpuWaitSeconds(),
      residentBytes,
    };
  }

  /** The function as `/system/functions` lists it. */
  status(): PoolStatus {
    let invocationCount = 0;
    for (const n of this.#invocations.values()) invocationCount += n;
    return { name: this.name, replicas: this.#active().length, availableReplicas: this.#available(), invocationCount };
  }

  /** Process ids of the live workers (for tests and diagnostics). */
  pids(): number[] {
    return this.#replicas.map((r) => r.pid);
  }

  /** Answers everything pending with 503, stops every worker (SIGKILL after `graceMs`) and waits for their exit. */
  async close(graceMs = 2000): Promise<void> {
    this.#closing = true;
    for (const job of this.#queue.splice(0)) this.#settle(job, { status: 503, body: "the gateway is shutting down\n", contentType: TEXT, queueSeconds: 0 }, false);
    const replicas = [...this.#replicas];
    for (const r of replicas) {
      if (r.job) this.#settle(r.job, { status: 503, body: "the gateway is shutting down\n", contentType: TEXT, queueSeconds: 0 }, false);
      this.#stop(r, "SIGTERM");
    }
    const all = Promise.all(replicas.map((r) => r.exited));
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), graceMs);
    });
    const first = await Promise.race([all, grace]);
    clearTimeout(timer);
    if (first === "timeout") {
      for (const r of replicas) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill("SIGKILL");
      await all;
    }
  }

  #active(): Replica[] {
    return this.#replicas.filter((r) => !r.draining);
  }

  #available(): number {
    return this.#replicas.filter((r) => !r.draining && r.state !== "starting").length;
  }

  #idleReplica(): Replica | undefined {
    return this.#replicas.find((r) => r.state === "idle" && !r.draining);
  }

  #cpuSeconds(): number {
    let live = 0;
    for (const r of this.#replicas) live += r.cpuSeconds;
    // Samples of different processes arrive at different times; never let the counter step back.
    this.#reportedCpuSeconds = Math.max(this.#reportedCpuSeconds, this.#retiredCpuSeconds + live);
    return this.#reportedCpuSeconds;
  }

  #cpuWaitSeconds(): number {
    let live = 0;
    for (const r of this.#replicas) live += r.cpuWaitSeconds;
    this.#reportedCpuWaitSeconds = Math.max(this.#reportedCpuWaitSeconds, this.#retiredCpuWaitSeconds + live);
    return this.#reportedCpuWaitSeconds;
  }

  #sampleCpu(r: Replica): void {
    const cpu = readCpuSeconds(r.pid);
    if (cpu !== undefined) r.cpuSeconds = Math.max(r.cpuSeconds, cpu);
    const wait = readCpuWaitSeconds(r.pid);
    if (wait !== undefined) r.cpuWaitSeconds = Math.max(r.cpuWaitSeconds, wait);
  }

  /** Spawns or retires replicas until the active count equals the desired one. */
  #reconcile(): void {
    if (this.#closing) return;
    const active = this.#active();
    for (let n = active.length; n < this.#desired; n++) this.#spawn();
    let excess = active.length - this.#desired;
    if (excess <= 0) return;
    // Retire the cheapest first: idle (newest first), then still starting, then busy ones after their request.
    const order = [...active].sort((a, b) => rank(a) - rank(b) || b.id - a.id);
    for (const r of order) {
      if (excess-- <= 0) break;
      r.draining = true;
      if (r.state !== "busy") this.#stop(r, "SIGTERM");
    }
  }

  #spawn(): void {
    const id = this.#nextReplicaId++;
    const child = fork(WORKER_PATH, [this.name, String(this.#o.iterations)], {
      serialization: "advanced",
      // Not the gateway's flags or environment: a test runner's loaders or NODE_OPTIONS must not leak into
      // replicas, and `env` must show a function's environment, not the operator's secrets.
      execArgv: [],
      env: { ...this.#o.envVars, ...workerEnvironment(this.name, id) },
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    });
    if (child.pid === undefined) {
      // fork failed synchronously (EAGAIN, ENOMEM); the next tick tries again.
      child.on("error", () => {});
      this.#o.logger.log("error", "gateway.spawn_failed", { function: this.name });
      return;
    }
    let onReady: () => void = () => {};
    let onEarlyExit: (e: Error) => void = () => {};
    const ready = new Promise<void>((resolve, reject) => {
      onReady = resolve;
      onEarlyExit = reject;
    });
    ready.catch(() => {}); // observed by start(); later replicas have nobody waiting
    let onExit: () => void = () => {};
    const exited = new Promise<void>((resolve) => {
      onExit = resolve;
    });
    const replica: Replica = {
      id,
      child,
      pid: child.pid,
      state: "starting",
      draining: false,
      job: undefined,
      invokeId: 0,
      execTimer: undefined,
      cpuSeconds: 0,
      cpuWaitSeconds: 0,
      ready,
      exited,
    };
    this.#replicas.push(replica);
    child.on("message", (message: unknown) => {
      if (!isWorkerMessage(message)) return;
      this.#onMessage(replica, message);
      if (message.type === "ready") onReady();
    });
    child.on("error", (e) => this.#o.logger.log("warn", "gateway.replica_error", { function: this.name, replica: id, error: e.message }));
    child.on("exit", (code, signal) => {
      onEarlyExit(new Error(`${this.name} replica ${id} exited (code ${code}, signal ${signal}) before it was ready`));
      this.#onExit(replica, code, signal);
      onExit();
    });
  }

  #onMessage(r: Replica, message: WorkerMessage): void {
    r.cpuSeconds = Math.max(r.cpuSeconds, message.cpuSeconds);
    if (message.type === "ready") {
      if (r.state !== "starting") return;
      r.state = "idle";
      if (r.draining) this.#stop(r, "SIGTERM");
      else this.#pump();
      return;
    }
    const job = r.job;
    if (!job || message.id !== r.invokeId) return; // a late answer to a request already timed out
    clearTimeout(r.execTimer);
    r.execTimer = undefined;
    r.job = undefined;
    r.state = "idle";
    const queueSeconds = ((job.startedMs ?? job.arrivedMs) - job.arrivedMs) / 1000;
    if (message.ok) {
      this.#settle(job, { status: 200, body: message.output, contentType: CONTENT_TYPES[this.name], execSeconds: message.execSeconds, queueSeconds }, true);
    } else {
      this.#settle(job, { status: 500, body: `${message.output}\n`, contentType: TEXT, execSeconds: message.execSeconds, queueSeconds }, true);
    }
    if (r.draining) this.#stop(r, "SIGTERM");
    else this.#pump();
  }

  #onExit(r: Replica, code: number | null, signal: NodeJS.Signals | null): void {
    clearTimeout(r.execTimer);
    const index = this.#replicas.indexOf(r);
    if (index >= 0) this.#replicas.splice(index, 1);
    this.#retiredCpuSeconds += r.cpuSeconds;
    this.#retiredCpuWaitSeconds += r.cpuWaitSeconds;
    if (r.job) {
      const queueSeconds = ((r.job.startedMs ?? r.job.arrivedMs) - r.job.arrivedMs) / 1000;
      this.#settle(r.job, { status: 502, body: `the ${this.name} replica exited while running the request\n`, contentType: TEXT, queueSeconds }, true);
      r.job = undefined;
    }
    if (!this.#closing && !r.draining) {
      this.#o.logger.log("warn", "gateway.replica_exited", { function: this.name, replica: r.id, code, signal });
    }
    // Requests queued behind a vanished replica may now exceed capacity; they keep their place and their timeout.
    this.#pump();
  }

  #stop(r: Replica, signal: NodeJS.Signals): void {
    this.#sampleCpu(r); // the last chance: /proc/<pid> disappears once the process is reaped
    if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill(signal);
  }

  #dispatch(r: Replica, job: Job): void {
    clearTimeout(job.queueTimer);
    job.queueTimer = undefined;
    job.startedMs = performance.now();
    r.state = "busy";
    r.job = job;
    r.invokeId = this.#nextInvokeId++;
    const message: InvokeMessage = { type: "invoke", id: r.invokeId, ...job.invocation };
    r.child.send(message, (e) => {
      // The channel broke: the process is dying and its exit handler answers the request with 502.
      if (e) this.#o.logger.log("warn", "gateway.send_failed", { function: this.name, replica: r.id, error: e.message });
    });
    r.execTimer = setTimeout(() => {
      if (r.job !== job) return;
      const queueSeconds = ((job.startedMs ?? job.arrivedMs) - job.arrivedMs) / 1000;
      this.#settle(job, { status: 504, body: `${this.name} did not answer within ${this.#o.execTimeoutMs} ms\n`, contentType: TEXT, queueSeconds }, true);
      r.job = undefined;
      r.draining = true; // replaced by the next reconcile
      this.#stop(r, "SIGKILL");
    }, this.#o.execTimeoutMs);
  }

  #pump(): void {
    while (this.#queue.length > 0) {
      const idle = this.#idleReplica();
      if (!idle) return;
      const job = this.#queue.shift();
      if (job) this.#dispatch(idle, job);
    }
  }

  #expire(job: Job): void {
    const index = this.#queue.indexOf(job);
    if (index < 0) return;
    this.#queue.splice(index, 1);
    const queueSeconds = (performance.now() - job.arrivedMs) / 1000;
    this.#settle(job, { status: 504, body: `waited ${this.#o.queueTimeoutMs} ms in the queue of ${this.name}\n`, contentType: TEXT, queueSeconds }, true);
  }

  /** Answers a request exactly once and counts it; `admitted` requests also feed the duration histogram. */
  #settle(job: Job, outcome: Outcome, admitted: boolean): void {
    if (job.settled) return;
    job.settled = true;
    clearTimeout(job.queueTimer);
    this.#invocations.set(outcome.status, (this.#invocations.get(outcome.status) ?? 0) + 1);
    if (admitted) this.#duration.observe((performance.now() - job.arrivedMs) / 1000);
    if (outcome.status === 200) this.#successesSinceTick++;
    job.resolve(outcome);
  }
}

function rank(r: Replica): number {
  return r.state === "idle" ? 0 : r.state === "starting" ? 1 : 2;
}

/**
 * A replica's environment, like a function container's: a PATH, a HOME, the OpenFaaS `fprocess` and a
 * per-replica HOSTNAME (a pod name in Kubernetes). Nothing else from the gateway's environment.
 */
export function workerEnvironment(name: string, replicaId: number): Record<string, string> {
  return {
    PATH: process.env["PATH"] ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: "/tmp",
    HOSTNAME: `${name}-${replicaId}`,
    fprocess: `peva-local/${name}`,
    PEVA_FUNCTION: name,
    PEVA_REPLICA: String(replicaId),
  };
}
