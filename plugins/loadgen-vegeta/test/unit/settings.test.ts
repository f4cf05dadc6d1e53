import { describe, expect, it } from "vitest";
import VegetaLoadgen from "../../src/plugin.ts";
import { DEFAULT_VEGETA_SETTINGS, vegetaSettingsSchema } from "../../src/settings.ts";

describe("settings schema", () => {
  it("fills every default", () => {
    expect(vegetaSettingsSchema.parse({})).toEqual({ max_workers: 10_000, keepalive: true, connections: 10_000, http2: false });
    expect(DEFAULT_VEGETA_SETTINGS).toEqual(vegetaSettingsSchema.parse({}));
  });

  it("keeps given values", () => {
    expect(vegetaSettingsSchema.parse({ max_workers: 1, keepalive: false, connections: 2, http2: true })).toEqual({
      max_workers: 1,
      keepalive: false,
      connections: 2,
      http2: true,
    });
  });

  it("rejects an unknown key, naming it", () => {
    const r = vegetaSettingsSchema.safeParse({ max_worker: 5 });
    expect(r.success).toBe(false);
    expect(r.error?.message).toContain("max_worker");
  });

  it("rejects out-of-range and mistyped values", () => {
    for (const bad of [{ max_workers: 0 }, { max_workers: 1.5 }, { connections: 0 }, { keepalive: "yes" }, { http2: 1 }]) {
      expect(vegetaSettingsSchema.safeParse(bad).success).toBe(false);
    }
  });

  it("is the plugin's configSchema, and the plugin uses configured settings", () => {
    const p = new VegetaLoadgen();
    expect(p.configSchema).toBe(vegetaSettingsSchema);
    expect(p.settings).toEqual(DEFAULT_VEGETA_SETTINGS);
    p.configure(vegetaSettingsSchema.parse({ max_workers: 3 }));
    expect(p.settings.max_workers).toBe(3);
  });
});
