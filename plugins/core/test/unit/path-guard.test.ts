import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  cleanupRealpathQueries,
  defaultCleanupPrefixes,
  expandHome,
  isWithin,
  realpathOfLongestExisting,
  resolveCleanupPath,
  UnsafeCleanupPathError,
} from "../../src/index.ts";
import { tempDir } from "../support/packages.ts";

function lab() {
  const base = tempDir();
  const workdir = join(base, "work");
  const home = join(base, "home");
  const results = join(workdir, "benchmark_results/peva_faas");
  const k6 = join(home, ".peva_faas-k6");
  const outside = join(base, "outside");
  for (const d of [join(results, "memory"), k6, outside]) mkdirSync(d, { recursive: true });
  return { base, workdir, home, results, k6, outside, options: { workdir, homedir: home } };
}

function refusal(path: string, options: Parameters<typeof resolveCleanupPath>[1]): UnsafeCleanupPathError {
  try {
    resolveCleanupPath(path, options);
  } catch (e) {
    if (e instanceof UnsafeCleanupPathError) return e;
    throw e;
  }
  throw new Error(`expected '${path}' to be refused`);
}

describe("teardown path guard", () => {
  it("default prefixes: <workdir>/benchmark_results/peva_faas and the k6 workspace root", () => {
    expect(defaultCleanupPrefixes("/w", undefined, "/home/u")).toEqual(["/w/benchmark_results/peva_faas", "/home/u/.peva_faas-k6"]);
    expect(defaultCleanupPrefixes("/w", "/srv/k6", "/home/u")).toEqual(["/w/benchmark_results/peva_faas", "/srv/k6"]);
  });

  it("allows relative, absolute, ~ and not-yet-existing paths under the prefixes", () => {
    const { results, k6, options } = lab();
    expect(resolveCleanupPath("benchmark_results/peva_faas/memory", options)).toBe(join(results, "memory"));
    expect(resolveCleanupPath("benchmark_results/peva_faas", options)).toBe(results);
    expect(resolveCleanupPath(join(results, "memory/peva_faas.duckdb"), options)).toBe(join(results, "memory/peva_faas.duckdb"));
    expect(resolveCleanupPath("~/.peva_faas-k6/runner/run-1", options)).toBe(join(k6, "runner/run-1"));
    expect(resolveCleanupPath("benchmark_results/peva_faas/memory/../k6", options)).toBe(join(results, "k6"));
  });

  it("refuses the empty path", () => {
    const { options } = lab();
    for (const p of ["", "   "]) expect(refusal(p, options).message).toContain("the path is empty");
  });

  it("refuses traversal out of the prefixes, naming the path and the allowed prefixes", () => {
    const { options, results, k6, workdir } = lab();
    const e = refusal("benchmark_results/peva_faas/../../etc", options);
    expect(e.message).toBe(
      `Refusing to clean up 'benchmark_results/peva_faas/../../etc': '..' leads to '${join(workdir, "etc")}', outside the allowed prefixes. ` +
        `Allowed prefixes: ${results}, ${k6}`,
    );
    expect(e.path).toBe("benchmark_results/peva_faas/../../etc");
    expect(e.allowedPrefixes).toEqual([results, k6]);
  });

  it("refuses absolute paths elsewhere, the workdir itself, siblings sharing a name prefix, and NUL bytes", () => {
    const { options, workdir, results } = lab();
    expect(refusal("/etc", options).message).toContain("the absolute path is outside the allowed prefixes");
    expect(refusal("/", options).message).toContain("outside the allowed prefixes");
    expect(refusal(".", options).message).toContain(`it resolves to '${workdir}'`);
    expect(refusal(`${results}-old`, options).message).toContain("outside the allowed prefixes");
    expect(refusal("benchmark_results/peva_faas/\0x", options).message).toContain("NUL");
  });

  it("refuses a symlink inside a prefix that escapes it (real symlinks)", () => {
    const { options, results, outside } = lab();
    symlinkSync(outside, join(results, "escape"));
    const e = refusal("benchmark_results/peva_faas/escape/data", options);
    expect(e.message).toContain(`it resolves through a symlink to '${join(outside, "data")}'`);
    symlinkSync("/", join(results, "root"));
    expect(refusal("benchmark_results/peva_faas/root", options).message).toContain("symlink");
  });

  it("follows a symlink that stays inside the prefixes, and a symlinked workdir", () => {
    const { base, results, options } = lab();
    mkdirSync(join(results, "real"));
    symlinkSync(join(results, "real"), join(results, "alias"));
    expect(resolveCleanupPath("benchmark_results/peva_faas/alias/x", options)).toBe(join(results, "real/x"));
    symlinkSync(join(base, "work"), join(base, "work-link"));
    expect(resolveCleanupPath("benchmark_results/peva_faas/memory", { ...options, workdir: join(base, "work-link") })).toBe(join(results, "memory"));
  });

  it("resolves real paths where the files are: the queries name every path asked, the answers decide", () => {
    // A remote host's files are not on this machine: the guard asks the caller for real paths instead.
    const options = { workdir: "/srv/host-a/lab", homedir: "/srv/host-a/home" };
    const queries = cleanupRealpathQueries(["benchmark_results/peva_faas/escape/data", "~/.peva_faas-k6/x", ""], options);
    expect(queries.sort()).toEqual(
      ["/srv/host-a/lab/benchmark_results/peva_faas/escape/data", "/srv/host-a/lab/benchmark_results/peva_faas", "/srv/host-a/home/.peva_faas-k6", "/srv/host-a/home/.peva_faas-k6/x"].sort(),
    );
    // On the remote host, `escape` is a symlink to /etc: refused, although nothing of it exists here.
    const remote = (p: string) => p.replace("/srv/host-a/lab/benchmark_results/peva_faas/escape", "/etc");
    expect(() => resolveCleanupPath("benchmark_results/peva_faas/escape/data", { ...options, realpath: remote })).toThrow(/resolves through a symlink to '\/etc\/data'/);
    expect(resolveCleanupPath("benchmark_results/peva_faas/memory", { ...options, realpath: remote })).toBe("/srv/host-a/lab/benchmark_results/peva_faas/memory");
    // Locally the default realpath is this machine's.
    const { options: local, results } = lab();
    expect(resolveCleanupPath("benchmark_results/peva_faas/memory", { ...local, realpath: realpathOfLongestExisting })).toBe(join(results, "memory"));
  });

  it("explicit prefixes replace the defaults; an empty list allows nothing", () => {
    const { options, outside, results } = lab();
    expect(resolveCleanupPath(join(outside, "x"), { ...options, allowedPrefixes: [outside] })).toBe(join(outside, "x"));
    expect(refusal(join(results, "memory"), { ...options, allowedPrefixes: [outside] }).allowedPrefixes).toEqual([outside]);
    expect(refusal(join(results, "memory"), { ...options, allowedPrefixes: [] }).message).toContain("no prefix is allowed");
  });

  it("isWithin and expandHome are pure and exact", () => {
    expect(isWithin("/a/b", "/a")).toBe(true);
    expect(isWithin("/a", "/a")).toBe(true);
    expect(isWithin("/ab", "/a")).toBe(false);
    expect(isWithin("/a/b", "/a/")).toBe(true);
    expect(expandHome("~", "/h")).toBe("/h");
    expect(expandHome("~/x", "/h")).toBe("/h/x");
    expect(expandHome("~x", "/h")).toBe("~x");
  });

  it("no path built from safe and '..' segments ever resolves outside the prefixes (property)", () => {
    const { options, results, k6 } = lab();
    const segment = fc.constantFrom("..", ".", "benchmark_results", "peva_faas", "memory", "x", "~", ".peva_faas-k6");
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 6 }), fc.boolean(), (segments, absolute) => {
        const path = (absolute ? "/" : "") + segments.join("/");
        try {
          const resolved = resolveCleanupPath(path, options);
          expect(isWithin(resolved, results) || isWithin(resolved, k6)).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(UnsafeCleanupPathError);
        }
      }),
    );
  });
});
