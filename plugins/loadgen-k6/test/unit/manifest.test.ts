import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadPlugin, parsePackageManifest, validatePluginConfig } from "@peva-lab/core";
import { describe, expect, it } from "vitest";
import K6Loadgen from "../../src/plugin.ts";

const packageDir = fileURLToPath(new URL("../../", import.meta.url));

describe("the plugin as the registry loads it", () => {
  it("manifest and class agree; the instance fulfils the loadgen contract", async () => {
    const pkg = JSON.parse(readFileSync(`${packageDir}package.json`, "utf8")) as unknown;
    const parsed = parsePackageManifest(pkg, packageDir, "workspace");
    expect(parsed.problems).toEqual([]);
    expect(parsed.descriptors).toHaveLength(1);
    const plugin = await loadPlugin({ ...parsed.descriptors[0]!, type: "loadgen" });
    expect(plugin).toBeInstanceOf(K6Loadgen);
    expect(plugin).toMatchObject({ type: "loadgen", name: "k6", version: "0.1.0", apiVersion: "1.0", requiredTools: ["k6"] });
  });

  it("the workload's `loadgen` block validates through the plugin's schema", () => {
    const p = new K6Loadgen();
    const config = validatePluginConfig(p.name, p.configSchema, { type: "k6", max_vus: 50, tags: { run: 1 } });
    p.configure(config);
    expect(p.settings).toMatchObject({ max_vus: 50, max_preallocated_vus: 1000, tags: { run: "1" } });
    expect(() => validatePluginConfig(p.name, p.configSchema, { k6_outputs: [] })).toThrow(/k6_outputs/);
    expect(new K6Loadgen().settings.max_vus).toBe(4000);
  });
});
