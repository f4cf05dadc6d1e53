import { mkdirSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  cleanupRealpathQueries,
  defaultCleanupPrefixes,
  expandHome,
  isWithin,
  lexicalCleanupProblem,
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
      [
        "/srv/host-a/lab/benchmark_results/peva_faas/escape/data",
        "/srv/host-a/lab/benchmark_results/peva_faas",
        "/srv/host-a/lab",
        "/srv/host-a/home/.peva_faas-k6",
        "/srv/host-a/home/.peva_faas-k6/x",
        "/srv/host-a/home",
      ].sort(),
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
  it("a prefix that leaves its anchor through a symlink refuses every path under it (real symlinks)", () => {
    const base = realpathSync(tempDir());
    const [workdir, home, outside, srv] = ["work", "home", "outside", "srv"].map((d) => join(base, d)) as [string, string, string, string];
    for (const d of [join(workdir, "benchmark_results"), join(home, ".peva_faas-k6"), join(outside, "x"), srv]) mkdirSync(d, { recursive: true });
    const results = join(workdir, "benchmark_results/peva_faas");
    symlinkSync(outside, results);
    const options = { workdir, homedir: home };
    const reason = `the allowed prefix '${results}' leads to '${outside}', outside the workdir '${workdir}'`;
    for (const p of ["benchmark_results/peva_faas/x", "benchmark_results/peva_faas", join(results, "x/y")]) expect(refusal(p, options).message).toContain(reason);
    // Its target is not allowed either, whatever the spelling.
    expect(refusal(join(outside, "x"), options).message).toContain("the absolute path is outside the allowed prefixes");
    // The other prefix is unaffected.
    expect(resolveCleanupPath("~/.peva_faas-k6/run-1", options)).toBe(join(home, ".peva_faas-k6/run-1"));
    // The k6 root out of the home directory, and an absolute prefix out of its parent directory.
    rmSync(join(home, ".peva_faas-k6"), { recursive: true });
    symlinkSync(outside, join(home, ".peva_faas-k6"));
    expect(refusal("~/.peva_faas-k6/x", options).message).toContain(`the allowed prefix '${join(home, ".peva_faas-k6")}' leads to '${outside}', outside the home directory '${home}'`);
    symlinkSync(outside, join(srv, "k6"));
    expect(refusal(join(srv, "k6/x"), { ...options, allowedPrefixes: [join(srv, "k6")] }).message).toContain(
      `the allowed prefix '${join(srv, "k6")}' leads to '${outside}', outside its parent directory '${srv}'`,
    );
    // A prefix that is a symlink staying within its anchor is followed.
    rmSync(results);
    mkdirSync(join(workdir, "benchmark_results/real"));
    symlinkSync(join(workdir, "benchmark_results/real"), results);
    expect(resolveCleanupPath("benchmark_results/peva_faas/x", options)).toBe(join(workdir, "benchmark_results/real/x"));
  });

  it("asks the anchors (workdir, home) through the same realpath callback: a remote host's answers decide", () => {
    const options = { workdir: "/srv/host-a/lab", homedir: "/srv/host-a/home" };
    const asked: string[] = [];
    // On the remote host the workdir is really /data/lab and the results prefix a symlink to /etc.
    const remote = (p: string): string => {
      asked.push(p);
      return p.replace("/srv/host-a/lab/benchmark_results/peva_faas", "/etc").replace("/srv/host-a/lab", "/data/lab");
    };
    expect(refusal("benchmark_results/peva_faas/x", { ...options, realpath: remote }).message).toContain(
      "the allowed prefix '/srv/host-a/lab/benchmark_results/peva_faas' leads to '/etc', outside the workdir '/data/lab'",
    );
    expect(asked).toEqual(expect.arrayContaining(["/srv/host-a/lab", "/srv/host-a/home"]));
    // Where the prefix stays in the (symlinked) workdir, the real path on that host is returned.
    const moved = (p: string): string => p.replace("/srv/host-a/lab", "/data/lab");
    expect(resolveCleanupPath("benchmark_results/peva_faas/x", { ...options, realpath: moved })).toBe("/data/lab/benchmark_results/peva_faas/x");
    // Answers are normalized; a relative answer or a failed look-up refuses.
    expect(resolveCleanupPath("benchmark_results/peva_faas/x", { ...options, realpath: (p) => `${p}/` })).toBe("/srv/host-a/lab/benchmark_results/peva_faas/x");
    expect(refusal("benchmark_results/peva_faas/x", { ...options, realpath: (p) => p.slice(1) }).message).toContain("is not absolute");
    const failing = (): string => {
      throw new Error("ELOOP: too many symbolic links\\x1b[2J");
    };
    expect(refusal("benchmark_results/peva_faas/x", { ...options, realpath: failing }).message).toContain("cannot be resolved: ELOOP");
  });

  it("follows dangling symlinks to where they point (a path through one lands there once it exists)", () => {
    const { options, results, outside } = lab();
    symlinkSync(join(outside, "not-yet"), join(results, "dangling"));
    expect(realpathOfLongestExisting(join(results, "dangling/data"))).toBe(join(realpathSync(outside), "not-yet/data"));
    expect(refusal("benchmark_results/peva_faas/dangling/data", options).message).toContain(`it resolves through a symlink to '${join(realpathSync(outside), "not-yet/data")}'`);
    // A chain of dangling links, relative targets included.
    symlinkSync("../../../../outside/second", join(results, "memory/chain"));
    symlinkSync(join(outside, "third"), join(outside, "second"));
    expect(realpathOfLongestExisting(join(results, "memory/chain/f"))).toBe(join(realpathSync(outside), "third/f"));
    // A dangling link that stays inside the prefix is allowed, resolved to its target.
    symlinkSync(join(results, "later"), join(results, "inside"));
    expect(resolveCleanupPath("benchmark_results/peva_faas/inside", options)).toBe(join(realpathSync(results), "later"));
  });

  it("escapes user text in messages: no control or bidi character reaches the terminal", () => {
    const { options } = lab();
    const e = refusal("benchmark_results/peva_faas/\x1b[2J\n", options);
    expect(e.message).toBe(
      `Refusing to clean up 'benchmark_results/peva_faas/\\x1b[2J\\n': the path contains the unprintable character U+001B. Allowed prefixes: ${e.allowedPrefixes.join(", ")}`,
    );
    expect(refusal("benchmark_results/peva_faas/\u202etxt", options).message).toContain("'benchmark_results/peva_faas/\\u202etxt': the path contains the unprintable character U+202E");
    const remote = { workdir: "/w", homedir: "/h", realpath: (p: string) => p.replace("/w/benchmark_results/peva_faas/link", "/etc/\x1b]0;x\x07") };
    expect(refusal("benchmark_results/peva_faas/link", remote).message).toContain("it resolves through a symlink to '/etc/\\x1b]0;x\\x07'");
    expect(refusal("a", { ...remote, allowedPrefixes: ["/p\n"] }).message).toContain("Allowed prefixes: /p\\n");
  });

  it("lexicalCleanupProblem: the rule on the text alone, exact messages", () => {
    for (const ok of ["benchmark_results/peva_faas/memory", "benchmark_results/peva_faas", "./benchmark_results//peva_faas/memory/", "benchmark_results/peva_faas/memory/../k6", "~/.peva_faas-k6/runner", "~/.peva_faas-k6"]) {
      expect(lexicalCleanupProblem(ok)).toBeUndefined();
    }
    const allowed = "'benchmark_results/peva_faas' (in the runner workdir), '~/.peva_faas-k6'";
    expect(lexicalCleanupProblem("")).toBe("the path is empty");
    expect(lexicalCleanupProblem(" \t")).toBe("the path is empty");
    expect(lexicalCleanupProblem("benchmark_results/peva_faas/\0x")).toBe("the path contains a NUL byte");
    expect(lexicalCleanupProblem("benchmark_results/peva_faas/\x1b[31m")).toBe("the path contains the unprintable character U+001B");
    expect(lexicalCleanupProblem("benchmark_results/peva_faas/a\nb")).toBe("the path contains the unprintable character U+000A");
    expect(lexicalCleanupProblem("benchmark_results/peva_faas/\u202e")).toBe("the path contains the unprintable character U+202E");
    expect(lexicalCleanupProblem("/home/u/.peva_faas-k6")).toBe("the path is absolute; a cleanup path is relative to the runner workdir or starts with '~/'");
    expect(lexicalCleanupProblem("~root/.peva_faas-k6")).toBe(
      "'~root' names another user's home; a cleanup path starts with '~/' (the runner login user's home) or is relative to the runner workdir",
    );
    expect(lexicalCleanupProblem("benchmark_results/peva_faas/../../etc")).toBe(`it normalizes to 'etc', outside the allowed prefixes ${allowed}`);
    expect(lexicalCleanupProblem("benchmark_results/peva_faas-old")).toBe(`it normalizes to 'benchmark_results/peva_faas-old', outside the allowed prefixes ${allowed}`);
    expect(lexicalCleanupProblem("../x")).toBe(`it normalizes to '../x', outside the allowed prefixes ${allowed}`);
    expect(lexicalCleanupProblem(".")).toBe(`it normalizes to '.', outside the allowed prefixes ${allowed}`);
    expect(lexicalCleanupProblem("~")).toBe(`it normalizes to '~', outside the allowed prefixes ${allowed}`);
    expect(lexicalCleanupProblem("~/.peva_faas-k6/../.ssh")).toBe(`it normalizes to '~/.ssh', outside the allowed prefixes ${allowed}`);
    expect(lexicalCleanupProblem(".peva_faas-k6/x")).toContain("outside the allowed prefixes"); // the k6 root is in the home directory
    // A given k6 root: `~/…` or workdir-relative forms are allowed; an absolute one cannot be named.
    expect(lexicalCleanupProblem("~/k6/x", "~/k6")).toBeUndefined();
    expect(lexicalCleanupProblem("k6/x", "k6")).toBeUndefined();
    expect(lexicalCleanupProblem("~/.peva_faas-k6/x", "/srv/k6")).toBe("it normalizes to '~/.peva_faas-k6/x', outside the allowed prefixes 'benchmark_results/peva_faas' (in the runner workdir)");
  });

  it("what the text check accepts, the guard accepts where no symlink exists, within a prefix (property)", () => {
    const segment = fc.constantFrom("..", ".", "", "benchmark_results", "peva_faas", "memory", "x", "~", "~u", ".peva_faas-k6", "a\tb", "é");
    const options = { workdir: "/w/lab", homedir: "/h/u", realpath: (p: string) => p };
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 7 }), fc.constantFrom("", "/", "~/", "~"), (segments, lead) => {
        const path = lead + segments.join("/");
        const problem = lexicalCleanupProblem(path);
        if (lead === "/") expect(problem).toBeDefined();
        if (problem !== undefined) return;
        const resolved = resolveCleanupPath(path, options);
        expect(isWithin(resolved, "/w/lab/benchmark_results/peva_faas") || isWithin(resolved, "/h/u/.peva_faas-k6")).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});
