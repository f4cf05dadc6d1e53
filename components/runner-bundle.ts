/**
 * The runner bundle's fingerprint: a sha256 over exactly the sources `playbooks/setup-runner.yml` packs for a host
 * (`tar … --exclude=node_modules --exclude=test package.json package-lock.json .npmrc plugins`) and the workspace
 * list, so the host setup runs again when a plugin's code or the lockfile changes, not only when the list of
 * workspaces does. What the host receives besides the sources, the node_modules trees `npm ci` installs into a
 * staging copy of them on the controller, follows from exactly those two. Reads the project's files: it belongs at
 * the edge, next to the component that uses it.
 */
import { createHash } from "node:crypto";
import { lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";

/** The sources the setup packs, relative to the project directory (the tar task's operands, in its order). */
export const RUNNER_BUNDLE_PATHS = ["package.json", "package-lock.json", ".npmrc", "plugins"] as const;

/**
 * Names left out at any depth: GNU tar's unanchored `--exclude=NAME` drops every entry so named, with everything
 * under it (installed dependencies, and tests, which runner hosts never run).
 */
export const RUNNER_BUNDLE_EXCLUDES = ["node_modules", "test"] as const;

/** One bundle entry as hashed: a regular file (its bytes, and whether it is executable) or a symlink (its target). */
type Entry = { readonly path: string; readonly kind: "file" | "exec" | "link"; readonly data: Buffer };

function collect(projectDir: string, rel: string, out: Entry[]): void {
  const name = rel.slice(rel.lastIndexOf("/") + 1);
  if ((RUNNER_BUNDLE_EXCLUDES as readonly string[]).includes(name)) return;
  const abs = join(projectDir, rel);
  let stat;
  try {
    stat = lstatSync(abs);
  } catch {
    return; // absent (e.g. no .npmrc): nothing of it in the archive either
  }
  if (stat.isSymbolicLink()) out.push({ path: rel, kind: "link", data: Buffer.from(readlinkSync(abs)) });
  else if (stat.isDirectory()) for (const child of readdirSync(abs)) collect(projectDir, `${rel}/${child}`, out);
  else if (stat.isFile()) out.push({ path: rel, kind: stat.mode & 0o111 ? "exec" : "file", data: readFileSync(abs) });
}

/**
 * sha256 (hex) of the runner bundle under `projectDir`: every packed path in sorted order with its kind and
 * contents, length-prefixed so no two different bundles hash alike. `workspaces` (the extras the setup installs)
 * are hashed first, sorted, so one value covers both what is shipped and what is installed. Deterministic: file
 * times, owners and the walk order do not count; directories count only through their entries.
 */
export function runnerBundleHash(projectDir: string, workspaces: readonly string[] = []): string {
  const entries: Entry[] = [];
  for (const path of RUNNER_BUNDLE_PATHS) collect(projectDir, path, entries);
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const hash = createHash("sha256");
  const field = (data: string | Buffer): void => {
    const bytes = typeof data === "string" ? Buffer.from(data) : data;
    hash.update(`${bytes.length}:`);
    hash.update(bytes);
  };
  field(JSON.stringify([...workspaces].sort()));
  for (const e of entries) {
    field(e.path);
    field(e.kind);
    field(e.data);
  }
  return hash.digest("hex");
}
