/**
 * A workload's `loadgen` block, validated against the real in-tree plugins (the catalog `index.ts` uses): the
 * generator must exist, and its own settings are checked by its plugin's schema before any resource exists, with
 * errors named by their `peva-lab:` dotted path.
 */
import { describe, expect, it } from "vitest";
import { inTreePluginCatalog } from "../../config/plugin-catalog.ts";
import { validateStackConfig } from "../../config/validate.ts";
import { planLab } from "../../plan/lab-plan.ts";

const catalog = await inTreePluginCatalog();

function validate(loadgen: unknown) {
  const settings = loadgen === undefined ? {} : { loadgen };
  return validateStackConfig({ "peva-lab:workloads": JSON.stringify({ "peva-faas": { settings } }) }, [], catalog.plugins);
}

describe("stack config: the load generator of a workload", () => {
  it("the default (no loadgen block) is valid and plans the bundled vegeta", () => {
    const r = validate(undefined);
    expect(r.ok).toBe(true);
    if (r.ok) expect(planLab("local", r.config).loadgens.map((l) => l.plugin)).toEqual(["vegeta"]);
  });

  it("accepts each generator's own settings", () => {
    expect(validate({ type: "vegeta", request_timeout: "10s", max_workers: 500, keepalive: false }).ok).toBe(true);
    expect(validate({ type: "k6", max_vus: 100, tags: { team: "perf" } }).ok).toBe(true);
  });

  it("names an unknown generator and lists the known ones", () => {
    const r = validate({ type: "wrk" });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors).toEqual(["peva-lab:workloads.peva-faas.settings.loadgen.type: unknown load generator 'wrk'; known load generators: k6, vegeta"]);
    }
  });

  it("checks a generator's keys with its plugin's schema, by dotted path", () => {
    const r = validate({ type: "vegeta", max_workers: 0, max_vus: 10 });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors).toContain("peva-lab:workloads.peva-faas.settings.loadgen.max_vus: unknown key");
      expect(r.errors.some((e) => e.startsWith("peva-lab:workloads.peva-faas.settings.loadgen.max_workers: "))).toBe(true);
    }
  });

  it("the runner receives the generator's workspace with the workload's", () => {
    const r = validate({ type: "vegeta" });
    if (!r.ok) throw new Error(r.errors.join("\n"));
    const plan = planLab("local", r.config);
    expect(catalog.workspacesFor(plan.runnerPlugins)).toEqual(expect.arrayContaining(["@peva-lab/loadgen-vegeta", "@peva-lab/peva-faas"]));
    expect(catalog.workspacesFor(plan.runnerPlugins)).not.toContain("@peva-lab/loadgen-k6");
  });
});
