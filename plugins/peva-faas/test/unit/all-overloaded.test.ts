import { describe, expect, it } from "vitest";
import { makeConfiguration } from "../../src/model.ts";
import { allOverloadedSetsOf } from "../../src/runner/all-overloaded.ts";
import { summaryTable } from "../../src/runner/summary.ts";

const judged = (pairs: Record<string, number>, overloaded: boolean) => ({
  config: makeConfiguration(Object.entries(pairs).map(([name, rate]) => ({ name, rate }))),
  overloaded,
});
const counts = { planned: 8, executed: 2, skipped: { dominated_by_overload: 6 }, overloaded: 2, failed: 0, iterations: 4 };

describe("function sets where every measured configuration overloaded", () => {
  it("names each such set with its lowest overloaded rates; a set with one good configuration is not listed", () => {
    const sets = allOverloadedSetsOf([
      judged({ figlet: 100 }, true),
      judged({ figlet: 50 }, true),
      judged({ figlet: 0 }, false), // all-zero: says nothing about capacity
      judged({ shasum: 50 }, false),
      judged({ shasum: 100 }, true),
      judged({ env: 20, figlet: 10 }, true),
      judged({ env: 5, figlet: 10 }, true),
    ]);
    expect(sets).toEqual([
      { functions: "env+figlet", lowest: { env: 5, figlet: 10 } },
      { functions: "figlet", lowest: { figlet: 50 } },
    ]);
  });

  it("the summary says so and where to search, instead of an empty frontier alone", () => {
    const table = summaryTable(counts, [], "done", [{ functions: "figlet", lowest: { figlet: 50 } }]);
    expect(table).toContain("every measured configuration overloaded (no frontier yet; search below these rates):");
    expect(table).toMatch(/figlet\s+lowest overloaded: figlet=50\/s/);
    expect(summaryTable(counts, [], "done")).not.toContain("every measured configuration overloaded");
  });
});
