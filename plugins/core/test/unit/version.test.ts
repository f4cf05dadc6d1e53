import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assertCompatible, InvalidVersionError, isCompatible, parseApiVersion, PLUGIN_API_VERSION, PluginIncompatibleError } from "../../src/index.ts";

describe("version rule", () => {
  it("defect 3: one source of truth — the platform provides API 1.0", () => {
    expect(PLUGIN_API_VERSION).toBe("1.0");
    expect(isCompatible("1.0")).toBe(true);
  });

  it.each([
    ["1.0", "1.0", true],
    ["1.0", "1.2", true],
    ["1.2", "1.0", false],
    ["2.0", "1.0", false],
    ["0.9", "1.0", false],
  ])("FR-003/FR-004/FR-005: plugin %s on platform %s → %s", (plugin, platform, expected) => {
    expect(isCompatible(plugin, platform)).toBe(expected);
  });

  it("FR-005 defect 3: X.Y.Z is accepted and the patch ignored", () => {
    expect(parseApiVersion("1.0.0")).toEqual({ major: 1, minor: 0 });
    expect(isCompatible("1.0.7", "1.0")).toBe(true);
    expect(isCompatible("1.1.0", "1.0.0")).toBe(false);
  });

  it.each(["", "1", "1.", "v1.0", "1.0.0.0", "01.0", "1.x", " 1.0", "1.0-beta"])("invalid format %j gives the HEAD message", (v) => {
    expect(() => parseApiVersion(v)).toThrow(InvalidVersionError);
    expect(() => parseApiVersion(v)).toThrow(`Invalid version format: '${v}'. Expected X.Y or X.Y.Z format (e.g., '1.0' or '1.0.0').`);
  });

  it("FR-004 SC-004: assertCompatible raises PluginIncompatibleError with the exact message", () => {
    expect(() => assertCompatible("duckdb", "2.0")).toThrow("Plugin 'duckdb' requires API v2.0, but platform provides v1.0");
    expect(() => assertCompatible("duckdb", "1.1", "1.0")).toThrow(PluginIncompatibleError);
    expect(() => assertCompatible("duckdb", "1.0", "1.3")).not.toThrow();
  });

  it("the rule is exactly: same major and plugin minor ≤ platform minor (property)", () => {
    const nat = fc.integer({ min: 0, max: 50 });
    fc.assert(
      fc.property(nat, nat, nat, nat, (pM, pm, qM, qm) => {
        expect(isCompatible(`${pM}.${pm}`, `${qM}.${qm}`)).toBe(pM === qM && pm <= qm);
      }),
    );
  });
});
