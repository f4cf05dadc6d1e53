import { describe, expect, it } from "vitest";
import { desiredBatchSize, selectionConfigSchema } from "../../src/scheduling/index.ts";

describe("selection config", () => {
  it("defaults match upstream, scheduler defaults to cartesian", () => {
    expect(selectionConfigSchema.parse({})).toEqual({
      selection_mode: "online",
      micro_batch_size: 8,
      micro_batch_window_s: 30,
      scheduler: "cartesian",
      entrypoint_dirs: [],
    });
  });

  it("accepts frontier and module:Export, rejects anything else", () => {
    expect(selectionConfigSchema.parse({ scheduler: "frontier" }).scheduler).toBe("frontier");
    expect(selectionConfigSchema.parse({ scheduler: "./my.ts:Mine" }).scheduler).toBe("./my.ts:Mine");
    const bad = selectionConfigSchema.safeParse({ scheduler: "frontir" });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues)).toContain("cartesian, frontier or module:Export");
    expect(selectionConfigSchema.safeParse({ algorithm_entrypoint: "nocolon" }).success).toBe(false);
    expect(selectionConfigSchema.safeParse({ micro_batch_size: 0 }).success).toBe(false);
    expect(selectionConfigSchema.safeParse({ micro_batch_window_s: 0.5 }).success).toBe(false);
    expect(selectionConfigSchema.safeParse({ selection_mode: "batch" }).success).toBe(false);
    expect(selectionConfigSchema.safeParse({ extra: 1 }).success).toBe(false);
    expect(selectionConfigSchema.parse({ entrypoint_dirs: [" ../policies ", "/opt/p"] }).entrypoint_dirs).toEqual(["../policies", "/opt/p"]);
    expect(selectionConfigSchema.safeParse({ entrypoint_dirs: [""] }).success).toBe(false);
    expect(selectionConfigSchema.safeParse({ entrypoint_dirs: "/opt/p" }).success).toBe(false);
  });

  it("online mode asks for one configuration at a time, micro_batch for micro_batch_size", () => {
    expect(desiredBatchSize({ selection_mode: "online", micro_batch_size: 8 })).toBe(1);
    expect(desiredBatchSize({ selection_mode: "micro_batch", micro_batch_size: 8 })).toBe(8);
  });
});
