import { describe, expect, it } from "vitest";
import { computeConfigSchema, resourcePreset, resourceSpecSchema, WORKLOAD_PRESETS, WORKLOAD_SIZES } from "../../src/index.ts";

describe("resource presets and compute config", () => {
  it("defect 5: the shared presets keep their ephemeral-storage values", () => {
    expect(resourcePreset("small")).toEqual({
      cpuRequest: "100m",
      cpuLimit: "500m",
      memoryRequest: "256Mi",
      memoryLimit: "512Mi",
      ephemeralStorageRequest: "100Mi",
      ephemeralStorageLimit: "500Mi",
    });
    expect(resourcePreset("medium")).toMatchObject({ ephemeralStorageRequest: "500Mi", ephemeralStorageLimit: "2Gi" });
    expect(resourcePreset("large")).toMatchObject({ cpuLimit: "8000m", memoryLimit: "16Gi", ephemeralStorageLimit: "5Gi" });
    expect(() => resourcePreset("xl")).toThrow("Unknown workload size: xl. Valid sizes: large, medium, small");
    expect(Object.isFrozen(WORKLOAD_PRESETS.small)).toBe(true);
  });

  it("defect 11: every preset passes the full K8s quantity patterns; suffix-only values do not", () => {
    for (const size of WORKLOAD_SIZES) expect(resourceSpecSchema.safeParse(resourcePreset(size)).success).toBe(true);
    const bad = { ...resourcePreset("small"), memoryLimit: "abcGi", cpuLimit: "m" };
    const r = resourceSpecSchema.safeParse(bad);
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join("."))).toEqual(["cpuLimit", "memoryLimit"]);
    for (const ok of ["2", "0.5", "250m"]) expect(resourceSpecSchema.shape.cpuRequest.safeParse(ok).success).toBe(true);
    for (const no of ["0m", "1.5m", "-1", "1 m", "1Gi"]) expect(resourceSpecSchema.shape.cpuRequest.safeParse(no).success).toBe(false);
    for (const no of ["1GB", "Gi", "1.5Gi", "0Mi"]) expect(resourceSpecSchema.shape.memoryRequest.safeParse(no).success).toBe(false);
  });

  it("compute config defaults: 3600 s timeout, 4 threads; extra keys allowed", () => {
    expect(computeConfigSchema.parse({ plugin: "duckdb", path: "/x.duckdb" })).toEqual({
      plugin: "duckdb",
      timeoutSeconds: 3600,
      threads: 4,
      connection: {},
      credentials: {},
      path: "/x.duckdb",
    });
    expect(computeConfigSchema.safeParse({ plugin: "" }).success).toBe(false);
    expect(computeConfigSchema.safeParse({ plugin: "d", threads: 65 }).success).toBe(false);
    expect(computeConfigSchema.safeParse({ plugin: "d", timeoutSeconds: 86_401 }).success).toBe(false);
  });
});
