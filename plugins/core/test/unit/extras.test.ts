import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { installCommand, renderCommand, resolveExtras } from "../../src/index.ts";

describe("extras resolution", () => {
  it("the union of the enabled plugins' extras, sorted and de-duplicated, with one lock-backed npm ci", () => {
    const plan = resolveExtras([
      { workspace: "@peva-lab/peva-faas", requiredExtras: ["apache-arrow", "@duckdb/node-api"] },
      { workspace: "@peva-lab/compute-duckdb", requiredExtras: ["@duckdb/node-api"] },
      { workspace: "@peva-lab/platform-local", requiredExtras: [] },
      { workspace: "@peva-lab/peva-faas", requiredExtras: ["apache-arrow"] },
    ]);
    expect(plan).toEqual({
      extras: ["@duckdb/node-api", "apache-arrow"],
      workspaces: ["@peva-lab/compute-duckdb", "@peva-lab/peva-faas"],
      command: ["npm", "ci", "--omit=dev", "--workspace", "@peva-lab/compute-duckdb", "--workspace", "@peva-lab/peva-faas"],
    });
    expect(renderCommand(plan.command!)).toBe("npm ci --omit=dev --workspace @peva-lab/compute-duckdb --workspace @peva-lab/peva-faas");
  });

  it("nothing enabled with extras → no command", () => {
    expect(resolveExtras([])).toEqual({ extras: [], workspaces: [], command: undefined });
    expect(resolveExtras([{ workspace: "@peva-lab/platform-local", requiredExtras: [] }]).command).toBeUndefined();
  });

  it("the result does not depend on the order plugins are enabled in (property)", () => {
    const decl = fc.record({
      workspace: fc.constantFrom("a", "b", "c"),
      requiredExtras: fc.array(fc.constantFrom("x", "y", "z", "@s/w"), { maxLength: 3 }),
    });
    fc.assert(
      fc.property(fc.array(decl, { maxLength: 6 }), (enabled) => {
        const plan = resolveExtras(enabled);
        expect(resolveExtras([...enabled].reverse())).toEqual(plan);
        expect(plan.extras).toEqual([...new Set(enabled.flatMap((e) => e.requiredExtras))].sort());
      }),
    );
  });

  it("renderCommand quotes only what needs quoting", () => {
    expect(renderCommand(installCommand(["b", "a", "b"]))).toBe("npm ci --omit=dev --workspace a --workspace b");
    expect(renderCommand(["npm", "install", "--prefix", "/tmp/my plugins", "it's"])).toBe(`npm install --prefix '/tmp/my plugins' 'it'\\''s'`);
  });
});
