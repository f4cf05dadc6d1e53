/** Queue admission: what happens to a request that arrives at a function. Pure. */

/** What the pool looks like when a request arrives. */
export interface AdmissionState {
  /** Ready replicas with no request in flight. */
  readonly idleReplicas: number;
  /** Requests already waiting. */
  readonly queued: number;
  /** Replicas that count for queue capacity: starting and ready ones, not those draining after a scale-down. */
  readonly activeReplicas: number;
  /** Queue slots per replica. */
  readonly queueDepth: number;
}

/** `dispatch`: run now on an idle replica; `enqueue`: wait in the queue; `reject`: 429, the queue is full. */
export type Admission = "dispatch" | "enqueue" | "reject";

/**
 * The queue is one FIFO per function holding at most `activeReplicas × queueDepth` requests: the same bound as a
 * queue of `queueDepth` per replica, without a request stuck behind one slow replica while another is idle.
 * A request runs at once only when a replica is idle and nobody waits before it (FIFO fairness).
 */
export function admit(s: AdmissionState): Admission {
  if (s.idleReplicas > 0 && s.queued === 0) return "dispatch";
  if (s.queued < s.activeReplicas * s.queueDepth) return "enqueue";
  return "reject";
}

/** True when a request that entered the queue at `enqueuedAtMs` has waited past `queueTimeoutMs` (→ 504). */
export function queueExpired(enqueuedAtMs: number, nowMs: number, queueTimeoutMs: number): boolean {
  return nowMs - enqueuedAtMs >= queueTimeoutMs;
}
