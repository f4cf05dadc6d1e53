import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ExecutionEvent } from "../../src/memory/contracts.ts";
import { StagingArena, stageEvents } from "../../src/memory/event-staging.ts";
import { PayloadLayouts, decodeMetrics, decodeResultRow, layoutRow } from "../../src/memory/payload-layout.ts";
import { makeConfiguration } from "../../src/model.ts";

const A = makeConfiguration([{ name: "figlet", rate: 10 }]);
const B = makeConfiguration([{ name: "env", rate: 20 }, { name: "figlet", rate: 10 }]);

function ev(over: Partial<ExecutionEvent> = {}): ExecutionEvent {
  return {
    campaignId: "camp",
    runId: "run-1",
    config: A,
    iteration: 1,
    repetition: 1,
    startTs: 10,
    endTs: 40,
    status: "executed",
    skipReason: null,
    resultRow: { function_1: "figlet", rate_function_1: 10, power: Number.NaN },
    metrics: { cpu: 1.5 },
    loadReport: null,
    ...over,
  };
}

describe("payload layouts", () => {
  it("gives one layout per shape (keys, order, kinds), with an id that depends only on the shape", () => {
    const layouts = new PayloadLayouts();
    const a = layouts.resolve({ x: 1, s: "a" }, { m: 1 });
    expect(layouts.resolve({ x: 2, s: "b" }, { m: 5 })).toBe(a);
    expect(layouts.resolve({ s: "b", x: 2 }, { m: 5 }).id).not.toBe(a.id); // order
    expect(layouts.resolve({ x: "2", s: "b" }, { m: 5 }).id).not.toBe(a.id); // kind
    expect(layouts.resolve({ x: 1, s: "a" }, null).id).not.toBe(a.id); // no metrics
    expect(layouts.resolve(null, null).id).not.toBe(layouts.resolve({}, null).id); // no row vs empty row
    expect(new PayloadLayouts().resolve({ x: 9, s: "z" }, { m: 0 }).id).toBe(a.id); // another process, same id
    expect(a.id > 0n && a.id < 2n ** 63n).toBe(true); // a positive BIGINT
    expect(layoutRow(a)).toEqual({ resultKeys: ["x", "s"], numericKeys: ["x"], textKeys: ["s"], metricKeys: ["m"] });
  });

  it("decodes lists back into records in the original key order, NaN and infinities included", () => {
    const layouts = new PayloadLayouts();
    const layout = layouts.resolve({ a: 1, t: "x", b: 2 }, { m: 1, n: 2 });
    const row = decodeResultRow(layout, [Number.NaN, -Infinity], ["figlet"]);
    expect(Object.keys(row!)).toEqual(["a", "t", "b"]);
    expect(row).toEqual({ a: Number.NaN, t: "figlet", b: -Infinity });
    expect(decodeMetrics(layout, [Infinity, 0])).toEqual({ m: Infinity, n: 0 });
    expect(decodeResultRow(layout, null, null)).toBeNull();
    expect(decodeMetrics(layouts.resolve(null, null), null)).toBeNull();
  });
});

describe("event staging", () => {
  it("turns events into typed columns: strings as dictionary indices, configurations as batch indices", () => {
    const staged = stageEvents(
      [
        ev(),
        ev({ config: B, iteration: 2, resultRow: { function_1: "env", function_2: "figlet", r: 3 }, metrics: null }),
        ev({ status: "failed", skipReason: "boom", resultRow: null, metrics: null, loadReport: { generator: "vegeta v12.13.0", format: "vegeta-report-json/v12", document: { a: "é" } } }),
      ],
      new PayloadLayouts(),
    );
    expect(staged.rowCount).toBe(3);
    expect(staged.configs.map((c) => c.id)).toEqual([A.id, B.id]);
    expect(staged.strings).toEqual(["run-1", "camp", "executed", "figlet", "env", "failed", "boom", "vegeta v12.13.0", "vegeta-report-json/v12"]);
    expect(staged.layouts.size).toBe(3);
    expect([staged.hasExecuted, staged.hasReport]).toEqual([true, true]);
    const col = (i: number) => staged.columns[i]!;
    expect([...(col(0).values as Int32Array)]).toEqual([0, 1, 0]); // config index
    expect([...(col(7).values as Int32Array)]).toEqual([2, 2, 5]); // status index
    const reason = col(8) as { values: Int32Array; nulls: Uint8Array };
    expect([reason.values[2], ...reason.nulls]).toEqual([6, 1, 1, 0]);
    const results = col(10) as { offsets: Uint32Array; values: Float64Array; nulls: Uint8Array };
    expect([...results.offsets]).toEqual([0, 2, 3, 3]);
    expect([...results.values]).toEqual([10, Number.NaN, 3]);
    expect([...results.nulls]).toEqual([0, 0, 1]);
    const texts = col(11) as { offsets: Uint32Array; values: Int32Array };
    expect([...texts.values]).toEqual([3, 4, 3]); // figlet | env, figlet
    const reports = col(13) as { values: readonly (string | null)[] };
    expect(reports.values).toEqual([null, null, '{"a":"é"}']);
    const size = col(14) as { values: Int32Array; nulls: Uint8Array };
    expect([size.values[2], ...size.nulls]).toEqual([10, 1, 1, 0]); // UTF-8 bytes, not characters
    const generator = col(15) as { values: Int32Array; nulls: Uint8Array };
    const format = col(16) as { values: Int32Array; nulls: Uint8Array };
    expect([generator.values[2], format.values[2], ...generator.nulls, ...format.nulls]).toEqual([7, 8, 1, 1, 0, 1, 1, 0]);
  });

  it("a row whose keys differ from the previous row's gets its own layout, never the previous one", () => {
    const layouts = new PayloadLayouts();
    const staged = stageEvents([ev(), ev({ iteration: 2, resultRow: { function_1: "figlet", rate_function_1: 10, extra: 1, power: 2 } })], layouts);
    const ids = [...(staged.columns[9]!.values as BigInt64Array)];
    expect(ids[0]).not.toBe(ids[1]);
    const second = layouts.get(ids[1]!)!;
    expect(second.resultKeys).toEqual(["function_1", "rate_function_1", "extra", "power"]);
    expect([...(staged.columns[10]!.values as Float64Array)]).toEqual([10, Number.NaN, 10, 1, 2]);
  });

  it("round-trips any record of numbers (NaN, ±Infinity, -0 included) and strings through the typed columns", () => {
    const value = fc.oneof(fc.double(), fc.string());
    const record = fc.dictionary(fc.string().filter((k) => k !== "__proto__"), value);
    fc.assert(
      fc.property(record, fc.dictionary(fc.string().filter((k) => k !== "__proto__"), fc.double()), (row, metrics) => {
        const layouts = new PayloadLayouts();
        const staged = stageEvents([ev({ resultRow: row, metrics })], layouts);
        const layout = layouts.get((staged.columns[9]!.values as BigInt64Array)[0]!)!;
        const texts = [...(staged.columns[11]!.values as Int32Array)].map((i) => staged.strings[i]!);
        const back = decodeResultRow(layout, [...(staged.columns[10]!.values as Float64Array)], texts);
        expect(back).toEqual(row);
        expect(Object.keys(back!)).toEqual(Object.keys(row));
        expect(decodeMetrics(layout, [...(staged.columns[12]!.values as Float64Array)])).toEqual(metrics);
      }),
    );
  });
});

describe("staging arena", () => {
  it("reuses its buffers: a later, smaller batch comes out exactly as if staged fresh (no leftovers)", () => {
    const arena = new StagingArena();
    const layouts = new PayloadLayouts();
    const big = Array.from({ length: 40 }, (_, i) => ev({ iteration: i + 1, resultRow: { function_1: "figlet", rate_function_1: i, power: -i } }));
    stageEvents(big, layouts, arena);
    const small = [
      ev({ status: "failed", skipReason: "boom", resultRow: null, metrics: null }),
      ev({ iteration: 2, resultRow: { function_1: "env", rate_function_1: 7, power: 1 }, loadReport: { generator: "k6 v1.3.0", format: "k6-summary/v1", document: { x: 1 } } }),
    ];
    const reused = stageEvents(small, layouts, arena);
    const fresh = stageEvents(small, new PayloadLayouts());
    expect(plain(reused)).toEqual(plain(fresh));
    expect([...reused.executedWithResult]).toEqual([0, 1]);
  });

  it("grows when a batch needs more room than the last, keeping every value", () => {
    const arena = new StagingArena();
    const layouts = new PayloadLayouts();
    stageEvents([ev()], layouts, arena);
    // 100 numbers per row, where staging reserves 32 per row: the value buffer has to grow while filling.
    const wide = Object.fromEntries(Array.from({ length: 100 }, (_, k) => [`v${k}`, k + 0.5]));
    const rows = Array.from({ length: 20 }, (_, i) => ev({ iteration: i + 1, resultRow: wide }));
    const staged = stageEvents(rows, layouts, arena);
    expect(staged.resultValues.length).toBe(2000);
    expect(staged.resultValues[1999]).toBe(99.5);
    expect(plain(staged)).toEqual(plain(stageEvents(rows, new PayloadLayouts())));
  });
});

/** The staged columns as plain arrays (typed arrays compared by value). */
function plain(staged: ReturnType<typeof stageEvents>): unknown[] {
  return staged.columns.map((c) => {
    if (c.kind === "varchar") return [...c.values];
    if (c.kind === "list-double" || c.kind === "list-int32") return [[...c.offsets], [...c.values], c.nulls ? [...c.nulls] : null];
    const nulls = "nulls" in c && c.nulls ? [...c.nulls] : null;
    // A NULL cell's value is not stored: compare only the non-NULL ones.
    return [[...c.values].map((v, i) => (nulls?.[i] === 1 ? null : v)), nulls];
  });
}
