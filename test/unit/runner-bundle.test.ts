/**
 * The runner bundle's hash covers exactly the sources the setup playbook packs: checked against the playbook's own
 * tar task, run by the real tar on a small project tree, file by file (a change to a packed file changes the hash; a
 * change to anything tar leaves out does not). The playbook's further controller tasks, run the same way, ship those
 * sources and nothing else from the project besides what the install adds in the staging dir (node_modules trees,
 * workspace links kept relative).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { RUNNER_BUNDLE_EXCLUDES, RUNNER_BUNDLE_PATHS, runnerBundleHash } from "../../components/runner-bundle.ts";
import { REPO } from "../support/toolchain.ts";

/** A project tree with something of every kind: packed files, installed dependencies, tests, files outside. */
const TREE: Record<string, string> = {
  "package.json": '{"name":"p","workspaces":["plugins/*"]}',
  "package-lock.json": '{"lockfileVersion":3}',
  ".npmrc": "engine-strict=true\n",
  "README.md": "not shipped\n",
  "components/lab.ts": "export {};\n",
  "node_modules/zod/index.js": "module.exports = {};\n",
  "plugins/a/package.json": '{"name":"@p/a"}',
  "plugins/a/src/index.ts": "export const a = 1;\n",
  "plugins/a/src/test/helper.ts": "export {};\n",
  "plugins/a/test/unit/a.test.ts": "it('x', () => {});\n",
  "plugins/a/node_modules/dep/index.js": "module.exports = 1;\n",
  "plugins/b/bin/b.ts": "#!/usr/bin/env node\n",
  "plugins/b/queries/shared.yml": "q: 1\n",
};

let project: string;
beforeEach(() => {
  project = mkdtempSync(join(tmpdir(), "peva-bundle-"));
  for (const [path, content] of Object.entries(TREE)) {
    mkdirSync(dirname(join(project, path)), { recursive: true });
    writeFileSync(join(project, path), content);
  }
  symlinkSync("shared.yml", join(project, "plugins/b/queries/link.yml"));
});
afterEach(() => rmSync(project, { recursive: true, force: true }));

/** The playbook's tasks, block members included. */
function playbookTasks(): { name?: string; "ansible.builtin.command"?: { argv: string[] } }[] {
  const plays = parse(readFileSync(join(REPO, "playbooks/setup-runner.yml"), "utf8")) as {
    tasks: { name?: string; block?: { name?: string }[] }[];
  }[];
  return plays.flatMap((p) => p.tasks.flatMap((t) => [t, ...(t.block ?? [])]));
}

/** The argv of the playbook's command task whose name starts with `prefix`, with the temp dir and bundle dir filled in. */
function taskArgv(prefix: string, tmp: string, bundleDir: string): string[] {
  const task = playbookTasks().find((t) => t.name?.startsWith(prefix));
  const argv = task?.["ansible.builtin.command"]?.argv;
  if (!argv) throw new Error(`the playbook has no '${prefix}' command task`);
  return argv.map((a) => a.replaceAll("{{ peva_controller_tmp.path }}", tmp).replaceAll("{{ peva_bundle_dir }}", bundleDir));
}

/** The sources pack task's tar argv (it writes `<tmp>/sources.tar`). */
const sourcesTarArgs = (tmp: string, bundleDir: string) => taskArgv("Pack the runner bundle's sources", tmp, bundleDir);

function run(argv: readonly string[]): void {
  const [cmd, ...args] = argv;
  execFileSync(cmd!, args);
}

/** `tar -tv` listing of `archive`: regular files, and symlinks as `path -> target`, sorted. */
function listing(archive: string): { files: string[]; links: string[] } {
  const lines = execFileSync("tar", ["-tvf", archive], { encoding: "utf8" }).split("\n");
  const name = (l: string) => l.trim().split(/\s+/).slice(5).join(" ").replace(/^\.\//, "");
  return {
    files: lines.filter((l) => l.startsWith("-")).map(name).sort(),
    links: lines.filter((l) => l.startsWith("l")).map(name).sort(),
  };
}

/** Regular files the playbook's sources tar packs from `project`. */
function packedFiles(): string[] {
  const tmp = mkdtempSync(join(tmpdir(), "peva-bundle-tmp-"));
  try {
    run(sourcesTarArgs(tmp, project));
    return listing(join(tmp, "sources.tar")).files;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

describe("runnerBundleHash", () => {
  it("hashes what the playbook's tar task packs: the same operands and exclusions", () => {
    const args = sourcesTarArgs("TMP", "DIR");
    expect(args.slice(0, 5)).toEqual(["tar", "-cf", "TMP/sources.tar", "-C", "DIR"]);
    expect(args.filter((a) => a.startsWith("--exclude=")).map((a) => a.slice("--exclude=".length))).toEqual([...RUNNER_BUNDLE_EXCLUDES]);
    expect(args.slice(-RUNNER_BUNDLE_PATHS.length)).toEqual([...RUNNER_BUNDLE_PATHS]);
  });

  it("changes with every packed file and with no file tar leaves out", () => {
    const packed = packedFiles();
    expect(packed).toEqual([
      ".npmrc",
      "package-lock.json",
      "package.json",
      "plugins/a/package.json",
      "plugins/a/src/index.ts",
      "plugins/b/bin/b.ts",
      "plugins/b/queries/shared.yml",
    ]);
    for (const path of Object.keys(TREE)) {
      const before = runnerBundleHash(project);
      writeFileSync(join(project, path), `${TREE[path]}changed\n`);
      const after = runnerBundleHash(project);
      writeFileSync(join(project, path), TREE[path]!);
      if (packed.includes(path)) expect(after, path).not.toBe(before);
      else expect(after, path).toBe(before);
    }
  });

  it("changes with a new plugin file, a symlink's target and the executable bit; not with a new test or dependency", () => {
    const base = runnerBundleHash(project);
    writeFileSync(join(project, "plugins/a/test/unit/new.test.ts"), "");
    writeFileSync(join(project, "plugins/a/node_modules/dep/extra.js"), "");
    mkdirSync(join(project, "plugins/b/node_modules/x"), { recursive: true });
    writeFileSync(join(project, "plugins/b/node_modules/x/index.js"), "");
    expect(runnerBundleHash(project)).toBe(base);

    writeFileSync(join(project, "plugins/b/bin/new.ts"), "");
    const withNew = runnerBundleHash(project);
    expect(withNew).not.toBe(base);
    rmSync(join(project, "plugins/b/queries/link.yml"));
    symlinkSync("other.yml", join(project, "plugins/b/queries/link.yml"));
    const relinked = runnerBundleHash(project);
    expect(relinked).not.toBe(withNew);
    execFileSync("chmod", ["+x", join(project, "plugins/b/bin/b.ts")]);
    expect(runnerBundleHash(project)).not.toBe(relinked);
  });

  it("ships the packed sources plus what the install adds in the staging dir, workspace links kept relative", () => {
    const tmp = mkdtempSync(join(tmpdir(), "peva-bundle-tmp-"));
    try {
      run(sourcesTarArgs(tmp, project));
      mkdirSync(join(tmp, "bundle")); // the playbook's "Make the staging dir" (a file task)
      run(taskArgv("Unpack the sources into the staging dir", tmp, project));
      // What `npm ci --workspace=@p/a` leaves there: a root tree with the workspace's link and a package that has a
      // test dir of its own, and a plugin's own tree.
      const staged = join(tmp, "bundle");
      mkdirSync(join(staged, "node_modules/@p"), { recursive: true });
      symlinkSync("../../plugins/a", join(staged, "node_modules/@p/a"));
      mkdirSync(join(staged, "node_modules/dep/test"), { recursive: true });
      writeFileSync(join(staged, "node_modules/dep/index.js"), "");
      writeFileSync(join(staged, "node_modules/dep/test/fixture.js"), "");
      mkdirSync(join(staged, "plugins/a/node_modules/nested"), { recursive: true });
      writeFileSync(join(staged, "plugins/a/node_modules/nested/index.js"), "");
      run(taskArgv("Pack the staged bundle", tmp, project));

      const shipped = listing(join(tmp, "bundle.tgz"));
      // From the project: the hashed sources only (not its own node_modules, tests or other files).
      expect(shipped.files.filter((f) => !f.includes("node_modules/"))).toEqual(packedFiles());
      expect(shipped.files.filter((f) => f.includes("node_modules/"))).toEqual([
        "node_modules/dep/index.js",
        "node_modules/dep/test/fixture.js",
        "plugins/a/node_modules/nested/index.js",
      ]);
      expect(shipped.links).toEqual(["node_modules/@p/a -> ../../plugins/a", "plugins/b/queries/link.yml -> shared.yml"]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("is deterministic, hex sha256, and covers the workspace list (in any order)", () => {
    const a = runnerBundleHash(project, ["@p/a", "@p/b"]);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(runnerBundleHash(project, ["@p/b", "@p/a"])).toBe(a);
    expect(runnerBundleHash(project, ["@p/a"])).not.toBe(a);
    expect(runnerBundleHash(project)).not.toBe(a);
    // Moving a file's contents to another name is another bundle.
    const before = runnerBundleHash(project);
    execFileSync("mv", [join(project, "plugins/a/src/index.ts"), join(project, "plugins/a/src/main.ts")]);
    expect(runnerBundleHash(project)).not.toBe(before);
  });
});
