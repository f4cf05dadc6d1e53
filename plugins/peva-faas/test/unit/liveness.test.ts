/**
 * The follower's limits from a campaign's settings: silence follows the heartbeat and the request timeout; progress
 * follows the longest an iteration may take (load, cooldown, request timeout), with a floor.
 */
import { describe, expect, it } from "vitest";
import { followerLimits, HEARTBEAT_INTERVAL_S } from "../../src/runner/index.ts";

describe("followerLimits", () => {
  it("derives silence from the heartbeat and the request timeout (defaults: 30 s)", () => {
    expect(HEARTBEAT_INTERVAL_S).toBeLessThanOrEqual(30); // at least every 30 s, as the follower assumes
    expect(followerLimits({}).silenceMs).toBe((4 * HEARTBEAT_INTERVAL_S + 30 + 5) * 1000);
    expect(followerLimits({ loadgen: { request_timeout: "2m" } }).silenceMs).toBe((4 * HEARTBEAT_INTERVAL_S + 120 + 5) * 1000);
  });

  it("derives progress from the longest iteration, never below ten minutes", () => {
    // Defaults: 30 s load + 180 s cooldown + 30 s timeout + 60 s → 300 s per iteration, ×3 = 15 min.
    expect(followerLimits({}).progressMs).toBe(900_000);
    expect(followerLimits({ duration: "10s", cooldown: { max_wait_seconds: 10 } }).progressMs).toBe(600_000);
    expect(followerLimits({ duration: "1h" }).progressMs).toBe(3 * (3_600_000 + 180_000 + 30_000 + 60_000));
  });
});
