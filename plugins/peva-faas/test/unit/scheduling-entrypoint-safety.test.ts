/**
 * Entrypoint safety (issue 14, item 3): modules resolve only inside the allowed roots (checked on real paths,
 * before any import), built-ins and foreign URL schemes are refused by rule, and an export's contract is checked
 * before any of its code runs. Fixtures are written into temporary projects at test time; the code that must
 * not run writes a marker file, and each test asserts the marker is absent.
 */
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { quoteText } from "@peva-lab/core";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  EntrypointError,
  POLICY_MEMBERS,
  SCHEDULER_MEMBERS,
  allowedEntrypointRoots,
  checkEntrypoints,
  createPolicy,
  createScheduler,
  loadEntrypoint,
  parseEntrypoint,
  resolveEntrypointModule,
  syntheticConfigurations,
  type PolicyAlgorithm,
} from "../../src/scheduling/index.ts";

const selection = { selection_mode: "online" as const, micro_batch_size: 8, micro_batch_window_s: 30 };
const configs = [...syntheticConfigurations(["a", "b"], [0, 10], [1, 2])];

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

/** A fresh directory (real path, so messages can be compared with what the loader reports). */
function tempDir(prefix: string): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  temps.push(dir);
  return dir;
}

/** A project, a directory outside it, and a place for markers (outside both). */
function setup(): { project: string; outside: string; marker: (name: string) => string } {
  const markers = tempDir("peva-ep-markers-");
  return { project: tempDir("peva-ep-project-"), outside: tempDir("peva-ep-outside-"), marker: (name) => join(markers, name) };
}

function write(path: string, text: string): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}

/** Module text that writes `marker` when it runs. */
const touch = (marker: string): string => `writeFileSync(${JSON.stringify(marker)}, "ran");`;
const header = 'import { writeFileSync } from "node:fs";\n';

const GOOD_CLASS =
  "export class Good {\n" +
  "  constructor(args) { this.args = args; }\n" +
  "  chooseBatch({ candidates, desiredSize }) { return candidates.slice(0, desiredSize); }\n" +
  "  updateOnline() {}\n" +
  "  updateBatch() {}\n" +
  "}\n" +
  "export const goodObject = {\n" +
  "  chooseBatch: ({ candidates }) => candidates.slice(-1),\n" +
  "  updateOnline() {},\n" +
  "  updateBatch() {},\n" +
  "};\n";

/** C0, DEL, C1 and the line/paragraph separators found in `text`. */
function controlCharacters(text: string): string[] {
  return [...text].filter((c) => {
    const code = c.codePointAt(0)!;
    return code <= 0x1f || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029;
  });
}

async function errorOf(p: Promise<unknown>): Promise<EntrypointError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(EntrypointError);
  return e as EntrypointError;
}

function syncErrorOf(f: () => unknown): EntrypointError {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(EntrypointError);
  return caught as EntrypointError;
}

const load = (spec: string, projectDir: string, entrypointDirs: readonly string[] = []): Promise<PolicyAlgorithm> =>
  createPolicy(spec, { selection }, { projectDir, entrypointDirs });

describe("where an entrypoint module may come from", () => {
  it("refuses a file outside the project without importing it, however it is named", async () => {
    const { project, outside, marker } = setup();
    const file = write(join(outside, "evil.mjs"), `${header}${touch(marker("imported"))}\n${GOOD_CLASS}`);
    const specs = [`${file}:Good`, `${pathToFileURL(file).href}:Good`, `${relative(project, file)}:Good`];
    expect(specs[2]).toMatch(/^\.\.\//);
    for (const spec of specs) {
      const e = await errorOf(load(spec, project));
      expect(e.reason).toBe("outside_roots");
      expect(e.message).toBe(
        `entrypoint ${quoteText(spec)} resolves to ${quoteText(file)}, outside the allowed roots (${quoteText(project)}); ` +
          "list its directory in entrypoint_dirs to allow it",
      );
    }
    expect(existsSync(marker("imported"))).toBe(false);
  });

  it("refuses a symlink inside the project that leads outside (file or directory), without importing", async () => {
    const { project, outside, marker } = setup();
    const file = write(join(outside, "lib", "evil.mjs"), `${header}${touch(marker("imported"))}\n${GOOD_CLASS}`);
    symlinkSync(file, join(project, "policy.mjs"));
    symlinkSync(join(outside, "lib"), join(project, "lib"));
    for (const spec of ["./policy.mjs:Good", "./lib/evil.mjs:Good"]) {
      const e = await errorOf(load(spec, project));
      expect(e.reason).toBe("outside_roots");
      expect(e.message).toContain(`resolves to ${quoteText(file)} (through ${quoteText(join(project, spec.slice(2, -5)))})`);
    }
    expect(existsSync(marker("imported"))).toBe(false);
  });

  it("refuses a package of node_modules whose real path is outside the project", async () => {
    const { project, outside, marker } = setup();
    write(join(outside, "pkg", "package.json"), JSON.stringify({ name: "linked-policy", type: "module", exports: "./index.js" }));
    write(join(outside, "pkg", "index.js"), `${header}${touch(marker("imported"))}\n${GOOD_CLASS}`);
    mkdirSync(join(project, "node_modules"));
    symlinkSync(join(outside, "pkg"), join(project, "node_modules", "linked-policy"));
    const e = await errorOf(load("linked-policy:Good", project));
    expect(e.reason).toBe("outside_roots");
    expect(e.message).toContain(`resolves to ${quoteText(join(outside, "pkg", "index.js"))}`);
    expect(existsSync(marker("imported"))).toBe(false);
    // Listing the package's directory allows it.
    const p = await load("linked-policy:Good", project, [join(outside, "pkg")]);
    expect(p.chooseBatch({ candidates: configs, desiredSize: 2 })).toEqual(configs.slice(0, 2));
    expect(existsSync(marker("imported"))).toBe(true);
  });

  it("allows packages of a node_modules that is itself a symlink out of the project", async () => {
    const { project, outside } = setup();
    write(join(outside, "nm", "shared-policy", "package.json"), JSON.stringify({ name: "shared-policy", type: "module", exports: "./index.js" }));
    write(join(outside, "nm", "shared-policy", "index.js"), GOOD_CLASS);
    write(join(outside, "elsewhere.mjs"), GOOD_CLASS);
    symlinkSync(join(outside, "nm"), join(project, "node_modules"));
    expect(allowedEntrypointRoots({ projectDir: project })).toEqual([project, join(outside, "nm")]);
    const p = await load("shared-policy:Good", project);
    expect(p.chooseBatch({ candidates: configs, desiredSize: 1 })).toEqual([configs[0]]);
    // Only node_modules itself: its siblings stay outside.
    expect((await errorOf(load(`${join(outside, "elsewhere.mjs")}:Good`, project))).reason).toBe("outside_roots");
  });

  it("refuses built-in modules by rule, naming the entrypoint and the allowed roots", async () => {
    const { project } = setup();
    for (const [spec, module] of [
      ["node:child_process:exec", "node:child_process"],
      ["fs:readFileSync", "fs"],
      ["child_process:execSync", "child_process"],
      ["fs/promises:writeFile", "fs/promises"],
    ] as const) {
      const e = await errorOf(load(spec, project));
      expect(e.reason).toBe("builtin");
      expect(e.message).toBe(
        `entrypoint ${quoteText(spec)} names the built-in module ${quoteText(module)}: built-in modules cannot be entrypoints (allowed roots: ${quoteText(project)})`,
      );
    }
  });

  it("refuses every built-in, with or without node:, before resolving anything", () => {
    fc.assert(
      fc.property(fc.constantFrom(...builtinModules), fc.boolean(), (name, prefixed) => {
        const module = prefixed && !name.startsWith("node:") ? `node:${name}` : name;
        const e = syncErrorOf(() => resolveEntrypointModule(module, { projectDir: "/nonexistent" }));
        expect(e.reason).toBe("builtin");
      }),
    );
  });

  it("refuses URL schemes other than file:", async () => {
    const { project, marker } = setup();
    const dataUrl = `data:text/javascript,import { writeFileSync } from "node:fs"; ${touch(marker("data"))} export class Good {}`;
    for (const spec of [`${dataUrl}:Good`, "http://example.invalid/p.js:Good", "https://example.invalid/p.mjs:Good"]) {
      const e = await errorOf(load(spec, project));
      expect(e.reason).toBe("unsupported_scheme");
      expect(e.message).toContain("only paths, package names and file: URLs are allowed");
    }
    expect(existsSync(marker("data"))).toBe(false);
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z][a-z0-9+.-]{0,8}$/).filter((s) => s !== "file" && s !== "node"),
        fc.stringMatching(/^[a-z0-9/._-]{0,12}$/),
        (scheme, rest) => {
          const e = syncErrorOf(() => resolveEntrypointModule(`${scheme}:${rest}`, { projectDir: project }));
          expect(e.reason).toBe("unsupported_scheme");
          expect(e.message).toContain(`uses the ${quoteText(`${scheme}:`)} scheme`);
        },
      ),
    );
  });

  it("resolves inside the project and refuses outside it, for any file location", () => {
    const { project, outside } = setup();
    const segment = fc.stringMatching(/^[a-z0-9_-]{1,8}$/);
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 3 }), (segments) => {
        const rel = `${join(...segments)}.mjs`;
        const inside = write(join(project, "src", rel), "export {};\n");
        const away = write(join(outside, rel), "export {};\n");
        expect(resolveEntrypointModule(`./src/${rel}`, { projectDir: project })).toBe(pathToFileURL(inside).href);
        expect(resolveEntrypointModule(inside, { projectDir: project })).toBe(pathToFileURL(inside).href);
        expect(syncErrorOf(() => resolveEntrypointModule(away, { projectDir: project })).reason).toBe("outside_roots");
        // The same file is allowed once its directory (or an ancestor) is listed.
        expect(resolveEntrypointModule(away, { projectDir: project, entrypointDirs: [outside] })).toBe(pathToFileURL(away).href);
      }),
      { numRuns: 25 },
    );
  });

  it("compares paths by segment, not by text prefix", () => {
    const { project } = setup();
    const sibling = `${project}-sibling`;
    temps.push(sibling);
    const away = write(join(sibling, "p.mjs"), "export {};\n");
    expect(syncErrorOf(() => resolveEntrypointModule(away, { projectDir: project })).reason).toBe("outside_roots");
    // A directory whose name merely starts with ".." is inside.
    const dotted = write(join(project, "..policies", "p.mjs"), "export {};\n");
    expect(resolveEntrypointModule(dotted, { projectDir: project })).toBe(pathToFileURL(dotted).href);
  });

  it("escapes control characters of the entrypoint in messages", async () => {
    const { project, outside } = setup();
    const file = write(join(outside, "evil\t\u001b[31mred\u009b.mjs"), "export {};\n");
    const e = await errorOf(load(`${file}:Good`, project));
    expect(e.reason).toBe("outside_roots");
    expect(e.message).toContain("evil\\t\\x1b[31mred\\x9b.mjs");
    expect(controlCharacters(e.message)).toEqual([]);
    // A line break cannot even parse, and the refusal says so without breaking the line.
    const invalid = await errorOf(load("./a\nforged line:Good", project));
    expect(invalid.reason).toBe("invalid");
    expect(invalid.message).toBe("entrypoint './a\\nforged line:Good' must look like module:Export");
  });

  it("no entrypoint text puts a control character into a refusal", () => {
    const { project } = setup();
    const unit = fc.oneof(
      fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)),
      fc.integer({ min: 0x7f, max: 0x9f }).map((c) => String.fromCharCode(c)),
      fc.constantFrom("\u2028", "\u2029", ":", "/", ".", "a", "node:", "file:", "'"),
    );
    fc.assert(
      // Shaped like each branch of the resolution (package, relative, absolute, file URL, built-in), or raw.
      fc.property(fc.constantFrom("", "./", "../", "/", "file:///", "node:"), fc.string({ unit, maxLength: 24 }), fc.constantFrom(":A", ""), (prefix, middle, suffix) => {
        const text = `${prefix}${middle}${suffix}`;
        let message: string | undefined;
        try {
          const { module } = parseEntrypoint(text);
          resolveEntrypointModule(module, { projectDir: project }, text);
        } catch (e) {
          expect(e).toBeInstanceOf(EntrypointError);
          message = (e as Error).message;
        }
        if (message !== undefined) expect(controlCharacters(message)).toEqual([]);
      }),
    );
  });

  it("entrypoint_dirs allows directories outside the project, absolute or relative to it", async () => {
    const { project, outside } = setup();
    write(join(outside, "policies", "good.mjs"), GOOD_CLASS);
    const spec = `${join(outside, "policies", "good.mjs")}:Good`;
    expect((await errorOf(load(spec, project))).reason).toBe("outside_roots");
    for (const dir of [join(outside, "policies"), relative(project, join(outside, "policies"))]) {
      const p = await load(spec, project, [dir]);
      expect(p.chooseBatch({ candidates: configs, desiredSize: 1 })).toEqual([configs[0]]);
    }
    expect(allowedEntrypointRoots({ projectDir: project, entrypointDirs: ["../x", "/opt/y"] })).toEqual([
      project,
      join(dirname(project), "x"),
      "/opt/y",
    ]);
  });
});

describe("what an entrypoint export may be", () => {
  it("loads a good class (constructed with the inputs) and a good object, and they work", async () => {
    const { project } = setup();
    write(join(project, "good.mjs"), GOOD_CLASS);
    const cls = await load("./good.mjs:Good", project);
    expect((cls as unknown as { args: unknown }).args).toEqual({ selection });
    expect(cls.chooseBatch({ candidates: configs, desiredSize: 2 })).toEqual(configs.slice(0, 2));
    const obj = await load("./good.mjs:goodObject", project);
    expect(obj.chooseBatch({ candidates: configs, desiredSize: 1 })).toEqual([configs.at(-1)]);
  });

  it("loads a pre-class constructor function whose prototype implements the members", async () => {
    const { project, marker } = setup();
    write(
      join(project, "old.mjs"),
      `${header}export function Old(args) { ${touch(marker("constructed"))} this.args = args; }\n` +
        "Old.prototype.chooseBatch = function ({ candidates }) { return candidates.slice(0, 1); };\n" +
        "Old.prototype.updateOnline = function () {};\n" +
        "Old.prototype.updateBatch = function () {};\n",
    );
    const p = await load("./old.mjs:Old", project);
    expect(existsSync(marker("constructed"))).toBe(true);
    expect(p.chooseBatch({ candidates: configs, desiredSize: 1 })).toEqual([configs[0]]);
  });

  it("refuses a plain function export without calling it", async () => {
    const { project, marker } = setup();
    write(
      join(project, "factories.mjs"),
      `${header}` +
        `export function make() { ${touch(marker("make"))} return { chooseBatch() {}, updateOnline() {}, updateBatch() {} }; }\n` +
        `export const arrow = () => { ${touch(marker("arrow"))} };\n` +
        `export async function later() { ${touch(marker("later"))} }\n` +
        `export function* gen() { ${touch(marker("gen"))} }\n` +
        "gen.prototype.chooseBatch = () => []; gen.prototype.updateOnline = () => {}; gen.prototype.updateBatch = () => {};\n",
    );
    for (const name of ["make", "arrow", "later", "gen"]) {
      const e = await errorOf(load(`./factories.mjs:${name}`, project));
      expect(e.reason).toBe("not_a_class");
      expect(e.message).toBe(
        `'./factories.mjs:${name}' is a function, not a class: export a class or an object implementing PolicyAlgorithm (functions are not called)`,
      );
      expect(existsSync(marker(name))).toBe(false);
    }
  });

  it("refuses a class missing a member before constructing it", async () => {
    const { project, marker } = setup();
    write(
      join(project, "partial.mjs"),
      `${header}export class Partial { constructor() { ${touch(marker("constructed"))} } chooseBatch() { return []; } updateBatch() {} }\n` +
        "export class Sub extends Partial { updateOnline() {} }\n",
    );
    const e = await errorOf(load("./partial.mjs:Partial", project));
    expect(e.reason).toBe("members_missing");
    expect(e.message).toBe("'./partial.mjs:Partial' does not implement PolicyAlgorithm: missing updateOnline");
    expect(existsSync(marker("constructed"))).toBe(false);
    // Inherited members count.
    await load("./partial.mjs:Sub", project);
    expect(existsSync(marker("constructed"))).toBe(true);
  });

  it("never runs a getter during the check, on a class prototype or an object", async () => {
    const { project, marker } = setup();
    write(
      join(project, "getters.mjs"),
      `${header}export class ByGetter { constructor() { ${touch(marker("constructed"))} }\n` +
        `  get chooseBatch() { ${touch(marker("class-getter"))} return () => []; } updateOnline() {} updateBatch() {} }\n` +
        "export const objectByGetter = { updateOnline() {}, updateBatch() {},\n" +
        `  get chooseBatch() { ${touch(marker("object-getter"))} return () => []; } };\n`,
    );
    for (const name of ["ByGetter", "objectByGetter"]) {
      const e = await errorOf(load(`./getters.mjs:${name}`, project));
      expect(e.reason).toBe("members_missing");
      expect(e.message).toBe(`'./getters.mjs:${name}' does not implement PolicyAlgorithm: chooseBatch is a getter, not a method`);
    }
    for (const m of ["constructed", "class-getter", "object-getter"]) expect(existsSync(marker(m))).toBe(false);
  });

  it("refuses a Proxy export, and a thenable, without running their code", async () => {
    const { project, marker } = setup();
    const trap = `{ get(t, k, r) { ${touch(marker("trap"))} return Reflect.get(t, k, r); }, getOwnPropertyDescriptor(t, k) { ${touch(marker("trap"))} return Reflect.getOwnPropertyDescriptor(t, k); } }`;
    write(
      join(project, "tricks.mjs"),
      `${header}class Base { chooseBatch() { return []; } updateOnline() {} updateBatch() {} }\n` +
        `export const proxied = new Proxy(new Base(), ${trap});\n` +
        `export const ProxiedClass = new Proxy(Base, ${trap});\n` +
        `export const onProxy = Object.create(new Proxy(new Base(), ${trap}));\n` +
        `export const thenable = { chooseBatch() { return []; }, updateOnline() {}, updateBatch() {}, then() { ${touch(marker("then"))} } };\n` +
        `export class Thenable extends Base { constructor() { super(); ${touch(marker("constructed"))} } then() { ${touch(marker("then"))} } }\n`,
    );
    for (const name of ["proxied", "ProxiedClass", "onProxy"]) {
      expect((await errorOf(load(`./tricks.mjs:${name}`, project))).reason).toBe("not_checkable");
    }
    for (const name of ["thenable", "Thenable"]) {
      const e = await errorOf(load(`./tricks.mjs:${name}`, project));
      expect(e.reason).toBe("thenable");
      expect(e.message).toBe(`'./tricks.mjs:${name}' has a 'then' member: a PolicyAlgorithm must not be thenable`);
    }
    for (const m of ["trap", "then", "constructed"]) expect(existsSync(marker(m))).toBe(false);
  });

  it("checks a custom scheduler the same way, and its instance's inFlight", async () => {
    const { project, marker } = setup();
    write(
      join(project, "sched.mjs"),
      `${header}export class NoObserve { constructor() { ${touch(marker("constructed"))} } proposeBatch() {} accept() {} }\n` +
        "export class NoInFlight { get name() { return 'x'; } proposeBatch() {} accept() {} observe() {} }\n",
    );
    const inputs = { configurations: configs, known: [] };
    const e = await errorOf(createScheduler("./sched.mjs:NoObserve", inputs, { projectDir: project }));
    expect(e.message).toBe("'./sched.mjs:NoObserve' does not implement ConfigScheduler: missing observe");
    expect(existsSync(marker("constructed"))).toBe(false);
    const f = await errorOf(createScheduler("./sched.mjs:NoInFlight", inputs, { projectDir: project }));
    expect(f.reason).toBe("members_missing");
    expect(f.message).toBe("'./sched.mjs:NoInFlight' instance does not implement ConfigScheduler: inFlight must be a number");
  });

  it("loadEntrypoint checks a constructor's returned object again", async () => {
    const { project } = setup();
    write(
      join(project, "swap.mjs"),
      "export class Swap { constructor() { return { chooseBatch() { return []; } }; } chooseBatch() {} updateOnline() {} updateBatch() {} }\n",
    );
    const e = await errorOf(
      loadEntrypoint("./swap.mjs:Swap", { projectDir: project, kind: "PolicyAlgorithm", requiredMembers: POLICY_MEMBERS }),
    );
    expect(e.message).toBe("'./swap.mjs:Swap' instance does not implement PolicyAlgorithm: missing updateOnline, updateBatch");
  });
});

describe("checkEntrypoints (what pulumi preview runs)", () => {
  it("reports nothing for built-in schedulers, no policy, or good entrypoints, and runs no export code", async () => {
    const { project, marker } = setup();
    write(
      join(project, "good.mjs"),
      `${header}export class Sched { constructor() { ${touch(marker("constructed"))} } proposeBatch() {} accept() {} observe() {} }\n` +
        `export class Policy { constructor() { ${touch(marker("constructed"))} } chooseBatch() {} updateOnline() {} updateBatch() {} }\n`,
    );
    expect(await checkEntrypoints({ scheduler: "frontier" }, project)).toEqual([]);
    expect(await checkEntrypoints({}, project)).toEqual([]);
    expect(
      await checkEntrypoints({ scheduler: "./good.mjs:Sched", algorithm_entrypoint: "./good.mjs:Policy", entrypoint_dirs: [] }, project),
    ).toEqual([]);
    expect(existsSync(marker("constructed"))).toBe(false);
  });

  it("reports each failing setting at its path, without constructing or calling anything", async () => {
    const { project, outside, marker } = setup();
    write(
      join(project, "bad.mjs"),
      `${header}export class Sched { constructor() { ${touch(marker("constructed"))} } proposeBatch() {} accept() {} }\n` +
        `export function policy() { ${touch(marker("called"))} }\n` +
        `export const getterPolicy = { get chooseBatch() { ${touch(marker("getter"))} return () => []; }, updateOnline() {}, updateBatch() {} };\n`,
    );
    const away = write(join(outside, "p.mjs"), `${header}${touch(marker("imported"))}\nexport const P = {};\n`);
    expect(await checkEntrypoints({ scheduler: "./bad.mjs:Sched", algorithm_entrypoint: "./bad.mjs:policy" }, project)).toEqual([
      { path: ["scheduler"], message: "'./bad.mjs:Sched' does not implement ConfigScheduler: missing observe" },
      {
        path: ["algorithm_entrypoint"],
        message:
          "'./bad.mjs:policy' is a function, not a class: export a class or an object implementing PolicyAlgorithm (functions are not called)",
      },
    ]);
    const problems = await checkEntrypoints(
      { scheduler: "node:child_process:exec", algorithm_entrypoint: `${away}:P`, entrypoint_dirs: [] },
      project,
    );
    expect(problems.map((p) => p.path)).toEqual([["scheduler"], ["algorithm_entrypoint"]]);
    expect(problems[0]!.message).toContain("names the built-in module");
    expect(problems[1]!.message).toContain("outside the allowed roots");
    expect(await checkEntrypoints({ algorithm_entrypoint: "./bad.mjs:getterPolicy" }, project)).toEqual([
      { path: ["algorithm_entrypoint"], message: "'./bad.mjs:getterPolicy' does not implement PolicyAlgorithm: chooseBatch is a getter, not a method" },
    ]);
    expect(await checkEntrypoints({ algorithm_entrypoint: "./missing.mjs:P" }, project)).toMatchObject([
      { path: ["algorithm_entrypoint"], message: expect.stringContaining("module './missing.mjs' not found") },
    ]);
    for (const m of ["constructed", "called", "getter", "imported"]) expect(existsSync(marker(m))).toBe(false);
  });

  it("honours entrypoint_dirs", async () => {
    const { project, outside } = setup();
    const file = write(
      join(outside, "s.mjs"),
      'export class S { name = "s"; inFlight = 0; proposeBatch() { return { candidates: [], skipped: [], done: true }; } accept() {} observe() {} }\n',
    );
    expect(await checkEntrypoints({ scheduler: `${file}:S` }, project)).toMatchObject([{ path: ["scheduler"] }]);
    expect(await checkEntrypoints({ scheduler: `${file}:S`, entrypoint_dirs: [outside] }, project)).toEqual([]);
    // The runner's factory takes the same setting.
    const inputs = { configurations: configs, known: [] };
    expect((await errorOf(createScheduler(`${file}:S`, inputs, { projectDir: project }))).reason).toBe("outside_roots");
    expect((await createScheduler(`${file}:S`, inputs, { projectDir: project, entrypointDirs: [outside] })).name).toBe("s");
    expect(SCHEDULER_MEMBERS).toContain("observe");
  });
});
