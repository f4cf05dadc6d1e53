import { describe, expect, it } from "vitest";
import { admit, queueExpired, type Admission, type AdmissionState } from "../../src/admission.ts";

describe("admit", () => {
  const cases: [string, AdmissionState, Admission][] = [
    ["an idle replica and an empty queue: run now", { idleReplicas: 1, queued: 0, activeReplicas: 1, queueDepth: 32 }, "dispatch"],
    ["all busy, room in the queue: wait", { idleReplicas: 0, queued: 0, activeReplicas: 1, queueDepth: 32 }, "enqueue"],
    ["idle replica but others waiting: keep FIFO order", { idleReplicas: 1, queued: 3, activeReplicas: 4, queueDepth: 32 }, "enqueue"],
    ["last free slot of one replica", { idleReplicas: 0, queued: 31, activeReplicas: 1, queueDepth: 32 }, "enqueue"],
    ["one replica, queue full: 429", { idleReplicas: 0, queued: 32, activeReplicas: 1, queueDepth: 32 }, "reject"],
    ["capacity grows with replicas", { idleReplicas: 0, queued: 32, activeReplicas: 2, queueDepth: 32 }, "enqueue"],
    ["four replicas full at 128", { idleReplicas: 0, queued: 128, activeReplicas: 4, queueDepth: 32 }, "reject"],
    ["after a scale-down the queue may hold more than the new capacity", { idleReplicas: 0, queued: 100, activeReplicas: 1, queueDepth: 32 }, "reject"],
    ["no replica at all: 429 rather than an unbounded wait", { idleReplicas: 0, queued: 0, activeReplicas: 0, queueDepth: 32 }, "reject"],
    ["queueDepth 1", { idleReplicas: 0, queued: 1, activeReplicas: 1, queueDepth: 1 }, "reject"],
  ];
  it.each(cases)("%s", (_name, state, expected) => {
    expect(admit(state)).toBe(expected);
  });
});

describe("queueExpired", () => {
  it.each([
    [0, 9_999, false],
    [0, 10_000, true],
    [5_000, 20_000, true],
  ])("enqueued at %i, now %i → %s", (enqueued, now, expected) => {
    expect(queueExpired(enqueued, now, 10_000)).toBe(expected);
  });
});
