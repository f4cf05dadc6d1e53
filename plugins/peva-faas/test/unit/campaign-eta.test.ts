/** The progress ETA: it learns seconds per iteration and, once decisions come early, iterations per configuration. */
import { describe, expect, it } from "vitest";
import { CampaignEta } from "../../src/runner/eta.ts";

describe("CampaignEta", () => {
  it("starts from the plan's estimate: planned seconds spread over configurations × iterations", () => {
    // 10 configurations × 3 iterations planned for 600 s: 20 s per iteration.
    const eta = new CampaignEta(600, 10, 3);
    expect(eta.remainingSeconds(10)).toBe(600);
    expect(eta.remainingSeconds(4)).toBe(240);
    expect(eta.remainingSeconds(-1)).toBe(0);
  });

  it("counts fewer iterations per configuration once configurations settle after two of three", () => {
    const eta = new CampaignEta(600, 10, 3);
    // Each configuration ran 2 iterations of 20 s: iterations per configuration move 3 → 2.5 → 2.25.
    eta.observe(40, 2);
    expect(eta.remainingSeconds(8)).toBe(8 * 2.5 * 20);
    eta.observe(40, 2);
    expect(eta.remainingSeconds(8)).toBe(8 * 2.25 * 20);
  });

  it("follows the seconds an iteration really takes, and learns nothing from a configuration that ran none", () => {
    const eta = new CampaignEta(600, 10, 3);
    eta.observe(120, 3); // 40 s per iteration: the average moves 20 → 30
    expect(eta.remainingSeconds(1)).toBe(3 * 30);
    eta.observe(5, 0);
    expect(eta.remainingSeconds(1)).toBe(3 * 30);
  });
});
