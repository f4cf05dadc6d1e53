import { describe, expect, it } from "vitest";
import {
  InvalidEventError,
  eventKey,
  skipEvent,
  validateEvent,
  type ExecutionEvent,
} from "../../src/memory/index.ts";
import { makeConfiguration } from "../../src/model.ts";

const cfg = makeConfiguration([{ name: "figlet", rate: 10 }]);

function executed(over: Partial<ExecutionEvent> = {}): ExecutionEvent {
  return {
    campaignId: "c",
    runId: "r",
    config: cfg,
    iteration: 1,
    repetition: 1,
    startTs: 100,
    endTs: 130,
    status: "executed",
    skipReason: null,
    resultRow: { a: 1 },
    metrics: { cpu: 1 },
    loadReport: null,
    ...over,
  };
}

describe("execution events", () => {
  it("keys on config_id, iteration, repetition, run_id", () => {
    expect(eventKey(executed())).toBe(`${cfg.id}|1|1|r`);
  });

  it("accepts well-formed events of every status", () => {
    expect(() => validateEvent(executed())).not.toThrow();
    expect(() => validateEvent(executed({ status: "failed", skipReason: "k6 failed with exit code 99" }))).not.toThrow();
    expect(() => validateEvent(executed({ status: "stopped", skipReason: "stopped" }))).not.toThrow();
    expect(() => validateEvent(executed({ status: "contended", skipReason: "contended", resultRow: null }))).not.toThrow();
    expect(() => validateEvent(executed({ status: "not_needed", skipReason: "decided_early: 2 of 2 judged iterations overloaded", resultRow: null }))).not.toThrow();
    expect(() => validateEvent(executed({ status: "not_needed", skipReason: null, resultRow: null }))).toThrow(/a not_needed event needs a skipReason/);
    expect(() =>
      validateEvent(skipEvent({ campaignId: "c", runId: "r", repetition: 1, config: cfg, reason: "already_in_memory", at: 5 })),
    ).not.toThrow();
  });

  it.each([
    [{ campaignId: "" }, /campaignId/],
    [{ runId: "" }, /runId/],
    [{ iteration: -1 }, /iteration/],
    [{ iteration: 1.5 }, /iteration/],
    [{ repetition: -1 }, /repetition/],
    [{ startTs: Number.NaN }, /startTs/],
    [{ status: "weird" as ExecutionEvent["status"] }, /unknown status/],
    [{ skipReason: "x" }, /executed event has skipReason null/],
    [{ iteration: 0 }, /executed event has iteration >= 1/],
    [{ status: "skipped" as const, skipReason: null }, /needs a skipReason/],
    [{ status: "contended" as const, skipReason: null }, /a contended event needs a skipReason/],
    [{ loadReport: { generator: "", format: "vegeta-report-json/v12", document: {} } }, /loadReport.generator must be a non-empty string/],
    [{ loadReport: { generator: "vegeta v12.13.0", format: "", document: {} } }, /loadReport.format must be a non-empty string/],
    [{ loadReport: { generator: "vegeta v12.13.0", format: "vegeta-report-json/v12", document: undefined } }, /loadReport.document must be a JSON value/],
    [{ loadReport: undefined as unknown as null }, /loadReport must be a LoadReport or null/],
    [{ loadReport: "raw text" as unknown as null }, /loadReport must be a LoadReport or null/],
  ])("rejects %o", (patch, message) => {
    expect(() => validateEvent(executed(patch))).toThrow(InvalidEventError);
    expect(() => validateEvent(executed(patch))).toThrow(message);
  });

  it("accepts a load report of any generator, whatever JSON its document is", () => {
    for (const document of [{ latencies: { mean: 1 } }, [1, 2], "text", 0, null]) {
      expect(() => validateEvent(executed({ loadReport: { generator: "vegeta v12.13.0", format: "vegeta-report-json/v12", document } }))).not.toThrow();
    }
    expect(() => validateEvent(executed({ status: "failed", skipReason: "x", loadReport: { generator: "k6 v1.3.0", format: "k6-summary/v1", document: {} } }))).not.toThrow();
  });

  it("a skip record is a configuration-level event (iteration 0) with its reason", () => {
    const e = skipEvent({ campaignId: "c", runId: "r", repetition: 2, config: cfg, reason: "dominated_by_overload", at: 7 });
    expect(e).toMatchObject({ iteration: 0, repetition: 2, status: "skipped", skipReason: "dominated_by_overload" });
    expect(e.startTs).toBe(7);
    expect(e.endTs).toBe(7);
    expect(e.loadReport).toBeNull();
  });
});
