/** Finding the project a command runs for. */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

/** The nearest directory at or above `startDir` holding a package.json; throws when there is none. */
export function findPackageRoot(startDir: string): string {
  let dir = startDir;
  for (;;) {
    if (existsSync(join(dir, "package.json"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json at or above ${startDir}`);
    dir = parent;
  }
}
