/**
 * The checks that need the planned lab, run by `index.ts` after the schema accepted the config: load windows long
 * enough for the platform's scrape interval, and stack names that cannot redirect the output. Uses the real plugin
 * catalog (the peva-faas plugin's own `checkSettings`).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { inTreePluginCatalog, type PluginCatalog } from "../../config/plugin-catalog.ts";
import { checkWorkloadSettings, stackNameProblem, validateStackConfig } from "../../config/validate.ts";
import { planLab, platformScrapeIntervalSeconds, workloadCheckContext } from "../../plan/lab-plan.ts";

let catalog: PluginCatalog;
beforeAll(async () => {
  catalog = await inTreePluginCatalog();
});

/** Validates `raw`, plans it, and returns the workload checks' errors. */
async function problems(raw: Record<string, unknown>, secrets: readonly string[] = []): Promise<string[]> {
  const text = Object.fromEntries(Object.entries(raw).map(([k, v]) => [`peva-lab:${k}`, typeof v === "string" ? v : JSON.stringify(v)]));
  const result = validateStackConfig(text, secrets.map((s) => `peva-lab:${s}`), catalog.plugins);
  if (!result.ok) throw new Error(result.errors.join("\n"));
  const plan = planLab("test", result.config);
  return checkWorkloadSettings(result.config, catalog.plugins, workloadCheckContext(plan, process.cwd()));
}

const peva = (settings: Record<string, unknown>, enabled = true): Record<string, unknown> => ({ workloads: { "peva-faas": { enabled, settings } } });
const openfaas = {
  provisioner: { type: "ssh", hosts: [{ name: "r", role: "runner", address: "10.0.0.1" }, { name: "p", role: "platform", address: "10.0.0.2" }] },
  platform: { type: "openfaas" },
  sshPrivateKey: "key",
  gatewayPassword: "pw",
};

describe("load window against the platform's scrape interval", () => {
  it("refuses a duration shorter than three scrapes, naming the minimum (local platform: 1 s scrapes)", async () => {
    expect(await problems(peva({ duration: "1s" }))).toEqual([
      "peva-lab:workloads.peva-faas.settings.duration: duration 1s is shorter than the minimum 3s: the platform's Prometheus scrapes every 1 s, and a window needs 3 scrapes to hold the two samples rate() needs",
    ]);
    expect(await problems(peva({ duration: "2999ms" }))).toHaveLength(1);
    expect(await problems(peva({ duration: "3s" }))).toEqual([]);
  });

  it("the minimum follows the platform: OpenFaaS's Prometheus scrapes every 5 s", async () => {
    expect(platformScrapeIntervalSeconds("openfaas")).toBe(5);
    const errors = await problems({ ...openfaas, ...peva({ duration: "10s" }) }, ["sshPrivateKey", "gatewayPassword"]);
    expect(errors).toEqual([expect.stringMatching(/^peva-lab:workloads\.peva-faas\.settings\.duration: duration 10s is shorter than the minimum 15s: the platform's Prometheus scrapes every 5 s/)]);
    expect(await problems({ ...openfaas, ...peva({ duration: "15s" }) }, ["sshPrivateKey", "gatewayPassword"])).toEqual([]);
  });

  it("in range mode each point's look-back must hold three scrapes too", async () => {
    const errors = await problems(peva({ duration: "30s", prometheus: { window_mode: "range", range_step_seconds: 2 } }));
    expect(errors).toEqual([expect.stringMatching(/^peva-lab:workloads\.peva-faas\.settings\.prometheus\.range_step_seconds: range_step_seconds 2 is shorter than the minimum 3/)]);
    expect(await problems(peva({ duration: "30s", prometheus: { window_mode: "at_end", range_step_seconds: 2 } }))).toEqual([]);
  });

  it("a disabled workload is not checked", async () => {
    expect(await problems(peva({ duration: "1s" }, false))).toEqual([]);
  });
});

describe("entrypoints at preview", () => {
  it("a built-in module or a file outside the project is refused before any resource exists, and never imported", async () => {
    const outside = mkdtempSync(join(tmpdir(), "peva-outside-"));
    const marker = join(outside, "imported");
    writeFileSync(join(outside, "policy.mjs"), `import { writeFileSync } from "node:fs";\nwriteFileSync(${JSON.stringify(marker)}, "yes");\nexport class P { chooseBatch() {} updateOnline() {} }\n`);
    try {
      const errors = await problems(peva({ algorithm_entrypoint: "node:child_process:exec", scheduler: `${join(outside, "policy.mjs")}:P` }));
      expect(errors).toEqual([
        expect.stringMatching(/^peva-lab:workloads\.peva-faas\.settings\.scheduler: .*outside/),
        expect.stringMatching(/^peva-lab:workloads\.peva-faas\.settings\.algorithm_entrypoint: .*built-in/),
      ]);
      expect(existsSync(marker)).toBe(false);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});

describe("stack names", () => {
  it.each(["local", "dev", "lab-a", "lab_2.b"])("accepts %s", (name) => expect(stackNameProblem(name)).toBeUndefined());
  it.each([".", "..", "...", "a/b", "a b", "", "x\n"])("refuses %j", (name) => expect(stackNameProblem(name)).toMatch(/^stack name /));
});
