/**
 * Locating and reading query files (edge module: file I/O).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseQueriesDocument, QueryFileError, type QuerySet } from "./queries.ts";

/** Absolute path of a packaged query file, `queries/<preset>.yml` in this package. */
export function packagedQueriesPath(preset: "openfaas" | "local"): string {
  return fileURLToPath(new URL(`../../queries/${preset}.yml`, import.meta.url));
}

/** Reads and validates a queries file. */
export function loadQueriesFile(path: string, opts: { scaphandre?: boolean } = {}): QuerySet {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new QueryFileError(`cannot read queries file ${path}: ${(err as Error).message}`);
  }
  return parseQueriesDocument(text, path, opts);
}

/** The query file of a run: the settings' `queries_path` if set, else the packaged set of the platform's kind. */
export function resolveQueriesPath(queriesPath: string | undefined, platform: "openfaas" | "local"): string {
  return queriesPath ?? packagedQueriesPath(platform);
}
