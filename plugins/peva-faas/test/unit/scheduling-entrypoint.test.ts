import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import {
  CartesianScheduler,
  EntrypointError,
  NoOpPolicy,
  createPolicy,
  createScheduler,
  loadEntrypoint,
  parseEntrypoint,
  simulateCampaign,
  syntheticConfigurations,
  POLICY_MEMBERS,
  type PolicyAlgorithm,
} from "../../src/scheduling/index.ts";

const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), "../fixtures/policies");
const loader = { projectDir: fixtures };
const selection = { selection_mode: "online" as const, micro_batch_size: 8, micro_batch_window_s: 30 };
const configs = [...syntheticConfigurations(["a", "b"], [0, 10, 20, 30], [1, 2])];
const oracle = (c: { pairs: readonly { rate: number }[] }): boolean => c.pairs.reduce((s, p) => s + p.rate, 0) > 30;

async function errorOf(p: Promise<unknown>): Promise<EntrypointError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(EntrypointError);
  return e as EntrypointError;
}

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

describe("algorithm_entrypoint", () => {
  it("without an entrypoint the policy is the NoOp policy", async () => {
    expect(await createPolicy(undefined, { selection }, loader)).toBeInstanceOf(NoOpPolicy);
  });

  it("a custom policy changes what runs (defect 7)", async () => {
    const custom = await createPolicy("./reverse-policy.ts:ReversePolicy", { selection }, loader);
    const byDefault = await simulateCampaign({ scheduler: new CartesianScheduler({ configurations: configs }), oracle });
    const byCustom = await simulateCampaign({
      scheduler: new CartesianScheduler({ configurations: configs }),
      oracle,
      policy: custom,
    });
    const order = (r: typeof byDefault): string[] => r.executed.map((c) => c.id);
    expect(order(byDefault)).toEqual(configs.filter((c) => !byDefault.skipped.some((s) => s.config.id === c.id)).map((c) => c.id));
    expect(order(byCustom)[0]).not.toBe(order(byDefault)[0]);
    expect(order(byCustom)).not.toEqual(order(byDefault));
    expect((custom as unknown as { args: unknown }).args).toEqual({ selection });
  });

  it("loads a class and a plain object export; refuses a factory function without calling it", async () => {
    const built = await createPolicy("./factory-policy.ts:HighestRateFirst", { selection }, loader);
    expect((built as unknown as { args: unknown }).args).toEqual({ selection });
    const r = await simulateCampaign({
      scheduler: new CartesianScheduler({ configurations: configs }),
      oracle: () => false,
      policy: built,
    });
    // The pool is the first 16 pending configurations (8 singles, then a:0|b:* and a:10|b:*): highest sum first.
    expect(r.executed[0]!.pairs.map((p) => p.rate)).toEqual([10, 30]);
    const obj = await createPolicy("./factory-policy.ts:firstOnly", { selection }, loader);
    expect(typeof obj.chooseBatch).toBe("function");
    const g = globalThis as { factoryPolicyCalls?: number };
    g.factoryPolicyCalls = 0;
    const e = await errorOf(createPolicy("./factory-policy.ts:createHighestRateFirst", { selection }, loader));
    expect(e.reason).toBe("not_a_class");
    expect(e.message).toBe(
      "'./factory-policy.ts:createHighestRateFirst' is a function, not a class: export a class or an object implementing PolicyAlgorithm (functions are not called)",
    );
    expect(g.factoryPolicyCalls).toBe(0);
  });

  it("resolves absolute paths and file URLs inside the allowed roots", async () => {
    const abs = join(fixtures, "reverse-policy.ts");
    expect(await createPolicy(`${abs}:ReversePolicy`, { selection }, loader)).toBeDefined();
    expect(await createPolicy(`${pathToFileURL(abs).href}:ReversePolicy`, { selection }, loader)).toBeDefined();
    // Outside the project only when its directory is listed in entrypoint_dirs.
    const elsewhere = { projectDir: "/nonexistent" };
    expect((await errorOf(createPolicy(`${abs}:ReversePolicy`, { selection }, elsewhere))).reason).toBe("outside_roots");
    expect(
      await createPolicy(`${abs}:ReversePolicy`, { selection }, { ...elsewhere, entrypointDirs: [fixtures] }),
    ).toBeDefined();
  });

  it("resolves a package name from the project directory", async () => {
    const project = mkdtempSync(join(tmpdir(), "peva-policy-pkg-"));
    temps.push(project);
    const pkg = join(project, "node_modules", "my-peva-policy");
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, "package.json"), JSON.stringify({ name: "my-peva-policy", type: "module", exports: "./index.js" }));
    writeFileSync(
      join(pkg, "index.js"),
      "export class Pkg { chooseBatch({ candidates }) { return candidates.slice(0, 1); } updateOnline() {} updateBatch() {} }\n",
    );
    const p = await createPolicy("my-peva-policy:Pkg", { selection }, { projectDir: project });
    expect(p.constructor.name).toBe("Pkg");
  });

  it("names a module that cannot be found, and where it looked", async () => {
    const e = await errorOf(createPolicy("./nope.ts:X", { selection }, loader));
    expect(e.reason).toBe("module_not_found");
    expect(e.message).toContain("entrypoint './nope.ts:X': module './nope.ts' not found");
    expect(e.message).toContain(`(looked in: '${join(fixtures, "nope.ts")}')`);
    const pkg = await errorOf(createPolicy("no-such-peva-package:X", { selection }, loader));
    expect(pkg.reason).toBe("module_not_found");
  });

  it("names a missing export and lists what the module has", async () => {
    const e = await errorOf(createPolicy("./factory-policy.ts:Nope", { selection }, loader));
    expect(e.reason).toBe("export_missing");
    expect(e.message).toContain("has no export 'Nope' (exports: HighestRateFirst, createHighestRateFirst, firstOnly)");
  });

  it("names missing members, checked before the class is constructed", async () => {
    const g = globalThis as { incompletePolicyConstructed?: number };
    g.incompletePolicyConstructed = 0;
    const e = await errorOf(createPolicy("./incomplete-policy.ts:MissingUpdates", { selection }, loader));
    expect(e.reason).toBe("members_missing");
    expect(e.message).toBe(
      "'./incomplete-policy.ts:MissingUpdates' does not implement PolicyAlgorithm: missing updateOnline, updateBatch",
    );
    expect(g.incompletePolicyConstructed).toBe(0);
    expect((await errorOf(createPolicy("./incomplete-policy.ts:notAPolicy", { selection }, loader))).reason).toBe(
      "members_missing",
    );
    const junk = await errorOf(createPolicy("./incomplete-policy.ts:factoryReturningJunk", { selection }, loader));
    expect(junk.reason).toBe("not_a_class");
    expect(g.incompletePolicyConstructed).toBe(0);
    const junkObject = await errorOf(createPolicy("./incomplete-policy.ts:junkObject", { selection }, loader));
    expect(junkObject.message).toBe("'./incomplete-policy.ts:junkObject' does not implement PolicyAlgorithm: missing chooseBatch");
  });

  it("reports a module that throws while loading", async () => {
    const e = await errorOf(createPolicy("./broken-module.ts:X", { selection }, loader));
    expect(e.reason).toBe("load_failed");
    expect(e.message).toContain("fixture module exploded at import");
  });

  it("parses module:Export at the last colon and rejects malformed specs", () => {
    expect(parseEntrypoint("file:///x/y.ts:Policy")).toEqual({ module: "file:///x/y.ts", exportName: "Policy" });
    expect(() => parseEntrypoint("nocolon")).toThrow(EntrypointError);
    expect(() => parseEntrypoint("mod:1bad")).toThrow(/module:Export/);
  });

  it("loadEntrypoint is generic over the members it requires", async () => {
    const p = await loadEntrypoint<PolicyAlgorithm>("./reverse-policy.ts:ReversePolicy", {
      projectDir: fixtures,
      kind: "PolicyAlgorithm",
      requiredMembers: POLICY_MEMBERS,
    });
    expect(p.chooseBatch({ candidates: configs.slice(0, 3), desiredSize: 1 })).toEqual([configs[2]]);
  });
});

describe("scheduler setting", () => {
  it("builds the built-ins and loads a custom scheduler", async () => {
    const inputs = { configurations: configs, known: [] };
    expect((await createScheduler("cartesian", inputs, loader)).name).toBe("cartesian");
    expect((await createScheduler("frontier", inputs, loader)).name).toBe("frontier");
    const custom = await createScheduler("./custom-scheduler.ts:ReverseScheduler", inputs, loader);
    const r = await simulateCampaign({ scheduler: custom, oracle: () => false });
    expect(r.executed.map((c) => c.id)).toEqual([...configs].reverse().map((c) => c.id));
  });

  it("rejects a custom scheduler without the protocol members", async () => {
    const e = await errorOf(createScheduler("./reverse-policy.ts:ReversePolicy", { configurations: [], known: [] }, loader));
    expect(e.message).toContain("does not implement ConfigScheduler: missing proposeBatch, accept, observe");
  });
});
