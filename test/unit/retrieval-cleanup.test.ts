/**
 * The opt-in cleanup of `pulumi destroy` (`retrieveAndClean`) on real files through a real `LocalTransport`: all or
 * nothing, each path removed as the real path it was checked as, and a path swapped for a symlink between the check
 * and its removal stops the cleanup before anything outside the prefixes is touched. No memory file exists, so the
 * retrieval steps before the cleanup only warn.
 */
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DestroyStepError, retrieveAndClean } from "../../components/benchmark-run/retrieval.ts";
import type { EngineLog } from "../../components/engine-log.ts";
import { LocalTransport } from "../../components/transport/local-transport.ts";
import { REPO } from "../support/toolchain.ts";

const made: string[] = [];
afterEach(() => {
  while (made.length > 0) rmSync(made.pop()!, { recursive: true, force: true });
});

function write(path: string, content = "data"): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

/** A runner workdir with results, a home with a k6 workspace, and files outside both that must survive. */
function lab() {
  const base = realpathSync(mkdtempSync(join(tmpdir(), "peva-retrieval-")));
  made.push(base);
  const workdir = join(base, "work");
  const home = join(base, "home");
  const results = join(workdir, "benchmark_results/peva_faas");
  const outside = join(base, "outside");
  for (const f of ["memory/events.jsonl", "a/a.txt", "runs/r1/data.txt"]) write(join(results, f));
  write(join(home, ".peva_faas-k6/runner/k6.js"));
  write(join(outside, "r1/data.txt"), "not yours to delete");
  write(join(workdir, "keep-me.txt"), "not yours to delete");
  return { base, workdir, home, results, outside, outputRoot: join(base, "output") };
}

/** A real local transport with its own home, recording what it removes; `afterFirstCheck` runs once, after the first real-path look-up. */
class RecordingTransport extends LocalTransport {
  readonly removed: string[] = [];
  readonly #home: string;
  #lookups = 0;
  afterFirstCheck: () => void = () => {};
  constructor(home: string) {
    super("localhost", REPO);
    this.#home = home;
  }
  override async homeDir(): Promise<string> {
    return this.#home;
  }
  override async realPaths(paths: readonly string[]): Promise<string[]> {
    const answers = await super.realPaths(paths);
    if (++this.#lookups === 1) this.afterFirstCheck();
    return answers;
  }
  override async remove(path: string): Promise<void> {
    this.removed.push(path);
    await super.remove(path);
  }
}

function engineLog(): EngineLog & { readonly lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    async log(severity, message) {
      lines.push(`${severity}: ${message}`);
    },
    close() {},
  };
}

async function destroy(l: ReturnType<typeof lab>, transport: RecordingTransport, paths: string[], log = engineLog()): Promise<string | undefined> {
  const input = { host: "localhost", workdir: l.workdir, outputRoot: l.outputRoot, settings: {}, cleanup: { memory: true, paths } };
  return retrieveAndClean(transport, input, log).then(
    () => undefined,
    (e: unknown) => {
      expect(e).toBeInstanceOf(DestroyStepError);
      return (e as Error).message;
    },
  );
}

describe("opt-in cleanup on destroy (real files, LocalTransport)", () => {
  it("removes each allowed path as the real path it was checked as, and logs it escaped", async () => {
    const l = lab();
    const transport = new RecordingTransport(l.home);
    write(join(l.results, "odd\x1b[2Jname/f"));
    symlinkSync(join(l.results, "odd\x1b[2Jname"), join(l.results, "alias"));
    const log = engineLog();
    expect(await destroy(l, transport, ["benchmark_results/peva_faas/memory", "benchmark_results/peva_faas/alias", "~/.peva_faas-k6/runner"], log)).toBeUndefined();
    expect(transport.removed).toEqual([join(l.results, "memory"), join(l.results, "odd\x1b[2Jname"), join(l.home, ".peva_faas-k6/runner")]);
    for (const p of transport.removed) expect(existsSync(p)).toBe(false);
    expect(lstatSync(join(l.results, "alias")).isSymbolicLink()).toBe(true); // the link was not the real path: left alone
    expect(log.lines).toContain(`info: cleanup: removed '${join(l.results, "odd\\x1b[2Jname")}'`);
    expect(log.lines.join("\n")).not.toContain("\x1b");
    expect(existsSync(join(l.results, "runs/r1/data.txt"))).toBe(true);
  });

  it("is all or nothing: one refused path among valid ones and nothing is deleted", async () => {
    for (const bad of ["../keep-me.txt", "benchmark_results/peva_faas/escape/r1", "/etc"]) {
      const l = lab();
      symlinkSync(l.outside, join(l.results, "escape"));
      const transport = new RecordingTransport(l.home);
      const message = await destroy(l, transport, ["benchmark_results/peva_faas/memory", bad, "~/.peva_faas-k6/runner"]);
      expect(message).toMatch(/^destroy step 'opt-in cleanup' failed: cleanup refused \(nothing was deleted\):\n {2}Refusing to clean up '/);
      expect(message).toContain(`Refusing to clean up '${bad}'`);
      expect(transport.removed).toEqual([]);
      for (const kept of [join(l.results, "memory/events.jsonl"), join(l.home, ".peva_faas-k6/runner/k6.js"), join(l.outside, "r1/data.txt"), join(l.workdir, "keep-me.txt")]) {
        expect(existsSync(kept)).toBe(true);
      }
    }
  });

  it("stops when a directory on the way is swapped for a symlink out of the prefix between the check and the removal", async () => {
    const l = lab();
    const transport = new RecordingTransport(l.home);
    transport.afterFirstCheck = () => {
      renameSync(join(l.results, "runs"), join(l.results, "runs-moved"));
      symlinkSync(l.outside, join(l.results, "runs"));
    };
    const message = await destroy(l, transport, ["benchmark_results/peva_faas/a", "benchmark_results/peva_faas/runs/r1"]);
    expect(readFileSync(join(l.outside, "r1/data.txt"), "utf8")).toBe("not yours to delete");
    expect(message).toBe(
      "destroy step 'opt-in cleanup' failed: cleanup stopped: 'benchmark_results/peva_faas/runs/r1' changed between the check and its removal: " +
        `the real path of '${join(l.results, "runs/r1")}' was '${join(l.results, "runs/r1")}' at the check and is now '${join(l.outside, "r1")}'; ` +
        `nothing more was deleted (already removed: '${join(l.results, "a")}') ` +
        "(already done: stop the runner; retrieve the memory; retrieve the Parquet exports)",
    );
    expect(transport.removed).toEqual([join(l.results, "a")]);
    expect(existsSync(join(l.results, "runs-moved/r1/data.txt"))).toBe(true);
  });

  it("stops when the path itself is swapped for a symlink, and names what was already removed", async () => {
    const l = lab();
    const transport = new RecordingTransport(l.home);
    transport.afterFirstCheck = () => {
      renameSync(join(l.results, "runs/r1"), join(l.results, "r1-moved"));
      symlinkSync(join(l.outside, "r1"), join(l.results, "runs/r1"));
    };
    const message = await destroy(l, transport, ["~/.peva_faas-k6/runner", "benchmark_results/peva_faas/runs/r1"]);
    expect(readFileSync(join(l.outside, "r1/data.txt"), "utf8")).toBe("not yours to delete");
    expect(message).toContain(
      "cleanup stopped: 'benchmark_results/peva_faas/runs/r1' changed between the check and its removal: " +
        `the real path of '${join(l.results, "runs/r1")}' was '${join(l.results, "runs/r1")}' at the check and is now '${join(l.outside, "r1")}'; ` +
        `nothing more was deleted (already removed: '${join(l.home, ".peva_faas-k6/runner")}')`,
    );
    expect(transport.removed).toEqual([join(l.home, ".peva_faas-k6/runner")]);
  });

  it("stops before the first removal when a prefix is swapped for a symlink: any change to a prefix stops everything", async () => {
    const l = lab();
    const transport = new RecordingTransport(l.home);
    transport.afterFirstCheck = () => {
      renameSync(l.results, `${l.results}-moved`);
      symlinkSync(l.outside, l.results);
    };
    const message = await destroy(l, transport, ["~/.peva_faas-k6/runner", "benchmark_results/peva_faas/runs/r1"]);
    expect(readFileSync(join(l.outside, "r1/data.txt"), "utf8")).toBe("not yours to delete");
    expect(message).toContain(
      "cleanup stopped: '~/.peva_faas-k6/runner' changed between the check and its removal: " +
        `the real path of '${l.results}' was '${l.results}' at the check and is now '${l.outside}'; nothing more was deleted (already removed: nothing)`,
    );
    expect(transport.removed).toEqual([]);
    expect(existsSync(join(l.home, ".peva_faas-k6/runner/k6.js"))).toBe(true);
  });
});

describe("LocalTransport.remove never follows a symlink", () => {
  it("removes a symlink itself (with or without a trailing slash), a dangling one, and a tree without following links inside it", async () => {
    const l = lab();
    const transport = new LocalTransport("localhost", REPO);
    for (const [name, path] of [["link", "link"], ["slash", "slash/"]] as const) {
      symlinkSync(join(l.outside, "r1"), join(l.base, name));
      await transport.remove(join(l.base, path));
      expect(existsSync(join(l.base, name)) || isLink(join(l.base, name)), name).toBe(false);
      expect(readFileSync(join(l.outside, "r1/data.txt"), "utf8"), name).toBe("not yours to delete");
    }
    symlinkSync(join(l.base, "nowhere"), join(l.base, "dangling"));
    await transport.remove(join(l.base, "dangling"));
    expect(isLink(join(l.base, "dangling"))).toBe(false);
    symlinkSync(l.outside, join(l.results, "runs/inner-link"));
    await transport.remove(join(l.results, "runs"));
    expect(existsSync(join(l.results, "runs"))).toBe(false);
    expect(readFileSync(join(l.outside, "r1/data.txt"), "utf8")).toBe("not yours to delete");
    await transport.remove(join(l.base, "never-existed"));
    await transport.remove(join(l.workdir, "keep-me.txt/below-a-file"));
  });
});

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
