/** The trailing window of idle snapshots follows the platform Prometheus's scrape interval (the run spec carries it). */
import { describe, expect, it } from "vitest";
import { snapshotWindowSeconds } from "../../src/prometheus/window.ts";
import { runSpecSchema } from "../../src/runner/spec.ts";
import { runSpecFixture } from "./support/fixtures.ts";

describe("snapshotWindowSeconds", () => {
  it("spans three scrapes, never under 5 s", () => {
    expect(snapshotWindowSeconds(1)).toBe(5);
    // OpenFaaS's Prometheus scrapes every 5 s: a fixed 5 s window held one sample, rate() needs two.
    expect(snapshotWindowSeconds(5)).toBe(15);
    expect(snapshotWindowSeconds(2.5)).toBe(8);
  });
});

describe("run spec: prometheus.scrape_interval_seconds", () => {
  const spec = (prometheus: Record<string, unknown>) => ({ ...runSpecFixture({ platform: "openfaas" }), prometheus });
  it("is optional and positive", () => {
    expect(runSpecSchema.safeParse(spec({ url: "http://127.0.0.1:9090" })).success).toBe(true);
    expect(runSpecSchema.parse(spec({ url: "http://127.0.0.1:9090", scrape_interval_seconds: 5 })).prometheus.scrape_interval_seconds).toBe(5);
    expect(runSpecSchema.safeParse(spec({ url: "http://127.0.0.1:9090", scrape_interval_seconds: 0 })).success).toBe(false);
  });
});
