import { idleFunctionStats, loadResultViolations, type LoadRequest, type LoadRunResult } from "@peva-lab/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FunctionAccumulator, loadWindow, type AttackRecord } from "../../src/records.ts";
import { RAW_FORMAT } from "../../src/run.ts";

const T0 = 1_800_000_000;
const CODES = [0, 100, 200, 201, 204, 301, 302, 399, 400, 404, 429, 500, 502, 503];
const ERRORS = ["", "context deadline exceeded (Client.Timeout exceeded while awaiting headers)", "connect: connection refused", "EOF"];

/** A request generated inside the load window: sent during the duration, ended within the timeout. */
const record = (durationS: number, timeoutS: number): fc.Arbitrary<AttackRecord> =>
  fc.record({
    code: fc.constantFrom(...CODES),
    sentAt: fc.double({ min: T0, max: T0 + durationS, noNaN: true }),
    latencyNs: fc.integer({ min: 0, max: Math.floor(timeoutS * 1e9) }),
    bytesIn: fc.nat({ max: 1 << 20 }),
    bytesOut: fc.nat({ max: 1 << 20 }),
    error: fc.constantFrom(...ERRORS),
  });

const scenario = fc
  .record({ durationS: fc.integer({ min: 1, max: 60 }), timeoutS: fc.double({ min: 0.01, max: 30, noNaN: true }) })
  .chain(({ durationS, timeoutS }) =>
    fc.record({
      durationS: fc.constant(durationS),
      timeoutS: fc.constant(timeoutS),
      // Seconds until a stop, when stopped.
      stopAfterS: fc.option(fc.double({ min: 0, max: durationS, noNaN: true }), { nil: undefined }),
      functions: fc.array(
        fc.record({ rate: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 10_000 })), records: fc.array(record(durationS, timeoutS), { maxLength: 60 }) }),
        { minLength: 1, maxLength: 5 },
      ),
    }),
  );

describe("property: any set of records gives a result that passes the contract checks", () => {
  it("holds for random records, rates, durations and stops", () => {
    fc.assert(
      fc.property(scenario, ({ durationS, timeoutS, stopAfterS, functions }) => {
        const request: LoadRequest = {
          targets: functions.map((f, i) => ({
            functionName: `fn-${i}`,
            url: "http://127.0.0.1:1/",
            method: "GET",
            body: "",
            headers: {},
            rate: f.rate,
          })),
          durationSeconds: durationS,
          requestTimeoutSeconds: timeoutS,
          workDir: "/nonexistent",
          env: {},
        };
        const loadSeconds = stopAfterS ?? durationS;
        const accs: FunctionAccumulator[] = [];
        const stats = functions.map((f, i) => {
          if (f.rate === 0) return idleFunctionStats(`fn-${i}`);
          const acc = new FunctionAccumulator(`fn-${i}`, f.rate);
          for (const r of f.records) acc.add(r);
          accs.push(acc);
          return acc.stats(loadSeconds);
        });
        const result: LoadRunResult = {
          generator: { name: "vegeta", version: "v12.13.0", settings: {} },
          outcome: stopAfterS === undefined ? "completed" : "stopped",
          window: loadWindow(accs, { start: T0, end: T0 + loadSeconds }),
          functions: stats,
          raw: { format: RAW_FORMAT, document: {} },
        };
        expect(loadResultViolations(request, result)).toEqual([]);
        for (const [i, s] of stats.entries()) {
          const f = functions[i]!;
          if (f.rate === 0) continue;
          expect(s.requests).toBe(f.records.length);
          expect(s.requests + s.dropped).toBeGreaterThanOrEqual(Math.round(f.rate * loadSeconds));
        }
      }),
      { numRuns: 300 },
    );
  });
});
