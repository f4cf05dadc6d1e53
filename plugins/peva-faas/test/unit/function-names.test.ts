/**
 * Function names reach URLs, file names, generator scripts and the configuration identity. The schema restricts
 * them to OpenFaaS's charset, which makes `config_id` unambiguous while keeping linux-benchmark-lib's ids.
 */
import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { configId, configKeyString, FUNCTION_NAME_PATTERN, makeConfiguration, type FunctionRate } from "../../src/model.ts";
import { configIssues } from "./support/fixtures.ts";

/** linux-benchmark-lib's `config_id`, written from its description: sha256 of sorted `name:rate` joined by `|`, 12 hex. */
function upstreamConfigId(pairs: readonly FunctionRate[]): string {
  const sorted = [...pairs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const text = sorted.map((p) => `${p.name}:${p.rate}`).join("|");
  return createHash("sha256").update(text, "utf8").digest("hex").slice(0, 12);
}

const alnum = fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789".split(""));
/** Valid names: a DNS-1123 label, with hyphens inside. */
const validName = fc
  .tuple(alnum, fc.array(fc.oneof(alnum, fc.constant("-")), { maxLength: 20 }), alnum)
  .map(([a, mid, z]) => `${a}${mid.join("")}${z}`);
const configuration = fc
  .uniqueArray(fc.record({ name: validName, rate: fc.nat({ max: 10_000 }) }), { minLength: 1, maxLength: 4, selector: (p) => p.name })
  .map((pairs) => makeConfiguration(pairs));

function nameIssues(name: unknown): string[] {
  return configIssues({ functions: [{ name }] });
}

describe("configuration identity", () => {
  it("distinct configurations get distinct ids; equal ones the same id", () => {
    fc.assert(
      fc.property(configuration, configuration, (a, b) => {
        const same = JSON.stringify(a.pairs) === JSON.stringify(b.pairs);
        expect(configKeyString(a.pairs) === configKeyString(b.pairs)).toBe(same);
        expect(a.id === b.id).toBe(same);
      }),
      { numRuns: 2000 },
    );
  });

  it("a name that spells another configuration's key never shares its id: it is refused", () => {
    // The old free-form names let `{"a:1|b": 2}` hash like `{a: 1, b: 2}`: build that name from every configuration.
    const several = configuration.filter((c) => c.pairs.length >= 2);
    fc.assert(
      fc.property(several, (c) => {
        const [first, second, ...rest] = c.pairs;
        const forged = [{ name: `${first!.name}:${first!.rate}|${second!.name}`, rate: second!.rate }, ...rest];
        let other: ReturnType<typeof makeConfiguration> | undefined;
        try {
          other = makeConfiguration(forged);
        } catch (e) {
          expect(String(e)).toMatch(/function names must be/);
        }
        if (other) expect(other.id).not.toBe(c.id);
      }),
      { numRuns: 300 },
    );
  });

  it("ids of valid names equal linux-benchmark-lib's, in any pair order", () => {
    fc.assert(
      fc.property(configuration, (c) => {
        expect(c.id).toBe(upstreamConfigId([...c.pairs].reverse()));
        expect(configId([...c.pairs].reverse())).toBe(c.id);
      }),
    );
  });

  it("refuses the names that made two configurations share an id", () => {
    // Under the old free-form names these two had the key `a:1|b:2`.
    expect(() => makeConfiguration([{ name: "a:1|b", rate: 2 }])).toThrow(/function names must be 1-63 lowercase/);
    expect(makeConfiguration([{ name: "a", rate: 1 }, { name: "b", rate: 2 }]).id).toBe(upstreamConfigId([{ name: "a", rate: 1 }, { name: "b", rate: 2 }]));
  });
});

describe("function names in the workload schema", () => {
  it("accepts every DNS-1123 label", () => {
    fc.assert(
      fc.property(validName, (name) => {
        expect(nameIssues(name)).toEqual([]);
      }),
    );
  });

  it("refuses any name outside the charset, at functions[i].name", () => {
    const bad = fc.string({ unit: "binary", minLength: 0, maxLength: 70 }).filter((s) => !FUNCTION_NAME_PATTERN.test(s));
    fc.assert(
      fc.property(bad, (name) => {
        expect(nameIssues(name)).toEqual([expect.stringMatching(/^functions\[0\]\.name: function names must be 1-63 lowercase letters/)]);
      }),
      { numRuns: 500 },
    );
  });

  it.each(["fig let", "a:1", "x|y", "../etc", ".", "Figlet", "-a", "a-", "a_b", '";process.exit(1);"', "$(id)", "a".repeat(64), ""])(
    "refuses %j",
    (name) => expect(nameIssues(name).join("\n")).toMatch(/functions\[0\]\.name/),
  );

  it("refuses header names and values that could split a request", () => {
    const issues = (headers: Record<string, string>): string[] => configIssues({ functions: [{ name: "figlet", headers }] });
    expect(issues({ "X-Ok": "text/plain; charset=utf-8" })).toEqual([]);
    expect(issues({ "X-Evil": "a\r\nHost: elsewhere" }).join("\n")).toMatch(/functions\[0\]\.headers\.X-Evil: header values must not contain line breaks/);
    expect(issues({ "Bad Name": "v" }).join("\n")).toMatch(/functions\[0\]\.headers.*header names must be HTTP tokens/);
    expect(issues({ "X-C1": "a\u0085b" }).join("\n")).toMatch(/header values must not contain/);
  });
});
