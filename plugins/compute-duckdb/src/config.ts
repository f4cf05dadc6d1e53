/**
 * `DuckDBConfig`: the typed config of the DuckDB compute plugin, registered with the framework through
 * `configSchema`. Upstream read only the untyped `connection` map, so typed fields were silently dropped
 * (defect 2); here the typed fields are the only source, and a non-empty `connection` is an error rather than
 * something quietly ignored. Patterns are full-string (defect 11): `abcGB` is not a memory limit.
 */
import { computeConfigSchema, pyList } from "@peva-lab/core";
import { z } from "zod";

/** A DuckDB memory limit as the lab writes it: digits then `GB` or `MB` (e.g. `4GB`, `512MB`). */
export const MEMORY_LIMIT_PATTERN = /^\d+(GB|MB)$/;

/** A bare SQL identifier: letters, digits and underscores, not starting with a digit. */
export const IDENTIFIER_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A DuckDB extension or setting name (lower-case, as DuckDB lists them). */
const LOWER_NAME_PATTERN = /^[a-z][a-z0-9_]*$/;

/** The in-memory database path. */
export const IN_MEMORY_PATH = ":memory:";

/** Message for a path that climbs out of its directory (same wording as upstream HEAD). */
export const PATH_TRAVERSAL_MESSAGE = "Database path must not contain '..' (path traversal)";

/** Attach types the plugin knows how to describe to dbt-duckdb; `duckdb` is DuckDB's own file format. */
export const ATTACH_TYPES = ["duckdb", "iceberg", "postgres", "sqlite"] as const;

/**
 * Extra ATTACH options an attach entry may carry, rendered by dbt-duckdb as `KEY 'value'`. `type`, `read_only`
 * and `secret` are typed fields of the entry instead (dbt-duckdb rejects them in both places). Upstream's list
 * (`catalog_uri`, `access_mode`, `schema`, …) named options DuckDB 1.5 refuses for a DuckDB file
 * (`Unrecognized option for attach "access_mode"`), so this list is the one checked against DuckDB instead.
 */
export const ATTACH_OPTION_KEYS = ["authorization_type", "block_size", "endpoint", "schema", "storage_version"] as const;

/** Settings with a typed field of their own: one source of truth per value. */
const SETTINGS_WITH_TYPED_FIELD: Readonly<Record<string, string>> = {
  memory_limit: "memoryLimit",
  max_memory: "memoryLimit",
  storage_compatibility_version: "storageCompatibilityVersion",
};

/**
 * Storage format of the files dbt creates. The bootstrap's dbt venv resolves the Python `duckdb` package freely
 * (2.0 at the time of writing), whose default format (storage version 69) the lab's `@duckdb/node-api` 1.5 cannot
 * read ("can only read versions between 64 and 68"); pinning the compatibility version keeps every file dbt
 * creates readable by the lab's own DuckDB. A unit test keeps it equal to the installed driver's major.minor.
 */
export const LAB_STORAGE_COMPATIBILITY_VERSION = "v1.5.0";

/** A DuckDB `storage_compatibility_version`: `vX.Y.Z` or `latest`. */
export const STORAGE_VERSION_PATTERN = /^(?:v\d+\.\d+\.\d+|latest)$/;

/** Catalog names DuckDB reserves; an attach alias cannot take them. */
const RESERVED_ALIASES = new Set(["memory", "system", "temp"]);


/** True when one of the path's segments is `..` (a `..` inside a file name is harmless). */
export function hasPathTraversal(path: string): boolean {
  return path.split(/[\\/]/).includes("..");
}

const scalar = z.union([z.string(), z.number(), z.boolean()]);

/** Quotes make dbt-duckdb's unescaped `'{value}'` rendering break out of the literal, so they are refused. */
const QUOTE_FREE = /^[^'"\n\r]*$/;

/** One database dbt-duckdb attaches next to the main one (e.g. a campaign memory file, read-only). */
export const attachSchema = z
  .object({
    path: z
      .string()
      .min(1)
      .refine((p) => !hasPathTraversal(p), PATH_TRAVERSAL_MESSAGE)
      .refine((p) => QUOTE_FREE.test(p), "Attach path must not contain quotes or line breaks (dbt-duckdb inlines it unescaped)")
      .describe("File (or, for iceberg, warehouse) to attach."),
    alias: z
      .string()
      .regex(IDENTIFIER_PATTERN, "alias must be an SQL identifier (letters, digits, underscores; not starting with a digit)")
      .refine((a) => !RESERVED_ALIASES.has(a.toLowerCase()), { error: (i) => `alias '${String(i.input)}' is reserved by DuckDB` })
      .describe("Catalog name models use: `select … from <alias>.main.<table>`."),
    type: z.enum(ATTACH_TYPES).default("duckdb").describe("Database type; `duckdb` for a DuckDB file."),
    readOnly: z.boolean().default(false).describe("Attach read-only (recommended for a retrieved campaign memory)."),
    secret: z.string().regex(IDENTIFIER_PATTERN, "secret must name a DuckDB secret (an SQL identifier)").optional().describe("Name of a DuckDB secret to use."),
    options: z
      .record(z.string(), scalar)
      .default({})
      .superRefine((opts, ctx) => {
        for (const [key, value] of Object.entries(opts)) {
          if (!(ATTACH_OPTION_KEYS as readonly string[]).includes(key)) {
            ctx.addIssue({ code: "custom", path: [key], message: `Invalid attach option key: '${key}'. Allowed keys: ${pyList(ATTACH_OPTION_KEYS)}` });
          } else if (typeof value === "string" && !QUOTE_FREE.test(value)) {
            ctx.addIssue({ code: "custom", path: [key], message: "must not contain quotes or line breaks (dbt-duckdb inlines it unescaped)" });
          }
        }
      })
      .describe(`Extra ATTACH options; keys among ${ATTACH_OPTION_KEYS.join(", ")}.`),
  })
  .strict();

/** A validated attach entry. */
export type AttachConfig = z.output<typeof attachSchema>;

/**
 * Schema of `DuckDBConfig`: the common compute config plus the DuckDB fields, every field typed, unknown keys
 * refused. Defaults: in-memory database, 4GB memory limit, 4 threads, 3600 s timeout.
 */
export const duckDbConfigSchema = computeConfigSchema
  .extend({
    plugin: z.literal("duckdb").default("duckdb").describe("Always `duckdb`; accepted so a stack's `compute` section parses as is."),
    path: z
      .string()
      .min(1)
      .default(IN_MEMORY_PATH)
      .refine((p) => !hasPathTraversal(p), PATH_TRAVERSAL_MESSAGE)
      .describe("Database file dbt builds into, or `:memory:`."),
    memoryLimit: z
      .string()
      .regex(MEMORY_LIMIT_PATTERN, "memory_limit must match ^\\d+(GB|MB)$, e.g. 4GB or 512MB")
      .default("4GB")
      .describe("DuckDB `memory_limit`, written into the profile's `settings`."),
    storageCompatibilityVersion: z
      .string()
      .regex(STORAGE_VERSION_PATTERN, "must be a DuckDB version like v1.5.0, or latest")
      .default(LAB_STORAGE_COMPATIBILITY_VERSION)
      .describe("Storage format of files dbt creates (profile `config_options`); the default keeps them readable by the lab."),
    extensions: z
      .array(z.string().regex(LOWER_NAME_PATTERN, "extension names are lower-case identifiers, e.g. httpfs"))
      .default([])
      .refine((xs) => new Set(xs).size === xs.length, "extensions must not repeat")
      .describe("DuckDB extensions dbt installs and loads."),
    attach: z
      .array(attachSchema)
      .default([])
      .superRefine((entries, ctx) => {
        const seen = new Set<string>();
        entries.forEach((e, i) => {
          const key = e.alias.toLowerCase();
          if (seen.has(key)) ctx.addIssue({ code: "custom", path: [i, "alias"], message: `alias '${e.alias}' is used twice` });
          seen.add(key);
        });
      })
      .describe("Databases to attach."),
    settings: z
      .record(z.string().regex(LOWER_NAME_PATTERN, "setting names are lower-case identifiers"), scalar)
      .default({})
      .superRefine((settings, ctx) => {
        for (const key of Object.keys(settings)) {
          const typed = SETTINGS_WITH_TYPED_FIELD[key];
          if (typed !== undefined) ctx.addIssue({ code: "custom", path: [key], message: `set it with the typed field '${typed}'` });
        }
      })
      .describe("Other DuckDB settings (`SET key = value`)."),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (Object.keys(c.connection).length > 0) {
      ctx.addIssue({
        code: "custom",
        path: ["connection"],
        message:
          "is not read by the duckdb plugin; use the typed fields path, memoryLimit, storageCompatibilityVersion, extensions, attach, settings",
      });
    }
    if (Object.keys(c.credentials).length > 0) {
      ctx.addIssue({
        code: "custom",
        path: ["credentials"],
        message: "is not used by the duckdb plugin: a DuckDB file needs none (catalog credentials go to getCatalogSecretSql)",
      });
    }
  });

/** What callers may pass (defaults optional). */
export type DuckDbConfigInput = z.input<typeof duckDbConfigSchema>;

/** A validated `DuckDBConfig`, defaults applied. */
export type DuckDbConfig = z.output<typeof duckDbConfigSchema>;
