/**
 * Where a campaign's memory lives on the runner host, derived from the workload settings exactly as the runner
 * derives it: the controller needs the same paths to retrieve the memory on destroy.
 */
import { memorySectionSchema, resolveMemoryPaths, type ResolvedMemoryPaths } from "../memory/config.ts";

/** The memory file and Parquet export directories for `settings` (raw workload settings) and `workdir`. */
export function memoryLocations(settings: Readonly<Record<string, unknown>>, workdir: string): ResolvedMemoryPaths {
  return resolveMemoryPaths(memorySectionSchema.parse(settings["memory"] ?? {}), workdir);
}
