/** Finds run folders under an output directory: `<output>/<stack>/<run_id>/<host>/peva_faas` holding a run.json. */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** A run folder with its run id and when its run.json was last written. */
export interface FoundRun {
  readonly folder: string;
  readonly runId: string;
  readonly mtimeMs: number;
}

const dirs = (path: string): string[] => {
  try {
    return readdirSync(path, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.isSymbolicLink()).map((e) => e.name);
  } catch {
    return [];
  }
};

/** Every run folder under `outputDir` (stack / run id / host), newest run.json first. */
export function findRunFolders(outputDir: string): FoundRun[] {
  const out: FoundRun[] = [];
  for (const stack of dirs(outputDir)) {
    for (const runId of dirs(join(outputDir, stack))) {
      for (const host of dirs(join(outputDir, stack, runId))) {
        const folder = join(outputDir, stack, runId, host, "peva_faas");
        const meta = join(folder, "run.json");
        if (existsSync(meta)) out.push({ folder, runId, mtimeMs: statSync(meta).mtimeMs });
      }
    }
  }
  return out.sort((a, b) => b.mtimeMs - a.mtimeMs || (a.folder < b.folder ? -1 : 1));
}
