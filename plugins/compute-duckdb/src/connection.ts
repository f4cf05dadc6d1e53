/**
 * Connection validation with the native driver (`@duckdb/node-api`, 001-FR-018), not `dbt debug`. A file database
 * is opened READ-ONLY (upstream opened it read-write, which creates a missing file and takes the write lock,
 * defect 13), and a missing file is reported, never created. The result is always returned, never thrown
 * (001-FR-019), and the whole probe is raced against a bound (10 s at most) so a stuck open cannot hang a caller.
 */
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import type * as DuckDbApi from "@duckdb/node-api";
import { configFieldErrors, recordComputeValidation, type ComputeValidationErrorType, type ConnectionResult, type HealthState, type Logger } from "@peva-lab/core";
import { sqlLiteral } from "./catalog.ts";
import { duckDbConfigSchema, IN_MEMORY_PATH, type DuckDbConfig } from "./config.ts";

/** Upper bound of a validation, from the contract ("should complete within 10 seconds"). */
export const VALIDATION_TIMEOUT_MS = 10_000;

/** Tuning for {@link validateDuckDbConnection}; every field has a default. */
export interface ValidateConnectionOptions {
  /** Bound of the whole probe. Default: the smaller of 10 s and the config's `timeoutSeconds`. */
  readonly timeoutMs?: number;
  /** Receives one `compute.validate_connection` event per call. */
  readonly logger?: Logger;
}

/** Thrown inside the probe for a condition that is reported as it is, without the driver prefix. */
class ProbeFailure extends Error {}

/**
 * Opens the configured database (read-only when it is a file), runs `SELECT 1`, and reports. `degraded` means the
 * database answers but something dbt will need is missing (an extension not installed, an attached file absent).
 */
export async function validateDuckDbConnection(raw: unknown, options: ValidateConnectionOptions = {}): Promise<ConnectionResult> {
  const started = performance.now();
  const parsed = duckDbConfigSchema.safeParse(raw);
  const finish = (status: HealthState, message: string, warnings: readonly string[] = [], errorType?: ComputeValidationErrorType): ConnectionResult => {
    const latencyMs = Math.max(0, Math.round((performance.now() - started) * 1000) / 1000);
    recordComputeValidation("duckdb", status, latencyMs, errorType);
    options.logger?.log(status === "unhealthy" ? "warn" : "info", "compute.validate_connection", {
      plugin: "duckdb",
      path: parsed.success ? parsed.data.path : undefined,
      status,
      latencyMs,
      message,
    });
    return { status, latencyMs, message, warnings };
  };

  if (!parsed.success) {
    const fields = configFieldErrors(parsed.error).map((e) => `${e.field || "(root)"}: ${e.message}`);
    return finish("unhealthy", `Invalid DuckDB config: ${fields.join("; ")}`, [], "config");
  }
  const config = parsed.data;
  const timeoutMs = options.timeoutMs ?? Math.min(VALIDATION_TIMEOUT_MS, config.timeoutSeconds * 1000);

  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((done) => {
    timer = setTimeout(() => done("timeout"), timeoutMs);
  });
  const work = probe(config);
  // An abandoned probe still settles (and closes its handles) later; its outcome is no longer anyone's business.
  work.catch(() => undefined);
  try {
    const outcome = await Promise.race([work, timeout]);
    if (outcome === "timeout") {
      return finish("unhealthy", `DuckDB validation timed out after ${timeoutMs / 1000}s (path: ${config.path})`, [], "timeout");
    }
    if (outcome.warnings.length > 0) {
      return finish("degraded", `Connected to DuckDB with warnings (path: ${config.path})`, outcome.warnings);
    }
    return finish("healthy", `Connected to DuckDB successfully (path: ${config.path})`);
  } catch (error) {
    if (error instanceof ProbeFailure) return finish("unhealthy", error.message);
    const reason = error instanceof Error ? error.message : String(error);
    return finish("unhealthy", `Failed to connect to DuckDB (path: ${config.path}): ${reason}`);
  } finally {
    clearTimeout(timer);
  }
}

async function probe(config: DuckDbConfig): Promise<{ warnings: string[] }> {
  const inMemory = config.path === IN_MEMORY_PATH;
  if (!inMemory) await requireRegularFile(config.path);

  let duckdb: typeof DuckDbApi;
  try {
    duckdb = await import("@duckdb/node-api");
  } catch (error) {
    throw new ProbeFailure(
      "npm package '@duckdb/node-api' is not installed (install: npm ci --omit=dev --workspace @peva-lab/compute-duckdb): " +
        (error instanceof Error ? error.message : String(error)),
    );
  }

  // memory_limit is applied so a limit DuckDB refuses shows up here rather than in the middle of a dbt run.
  const dbOptions: Record<string, string> = { memory_limit: config.memoryLimit };
  if (!inMemory) dbOptions["access_mode"] = "READ_ONLY";
  const instance = await duckdb.DuckDBInstance.create(config.path, dbOptions);
  try {
    const connection = await instance.connect();
    try {
      const rows = (await connection.runAndReadAll("SELECT 1 AS ok")).getRowsJS();
      if (rows.length !== 1 || Number(rows[0]?.[0]) !== 1) throw new ProbeFailure("DuckDB validation query returned unexpected result");
      const installed = (await connection.runAndReadAll("SELECT extension_name FROM duckdb_extensions() WHERE installed OR loaded")).getRowsJS();
      const available = new Set(installed.map((r) => String(r[0])));
      const warnings = [...extensionWarnings(config, available), ...(await attachWarnings(config))];
      await probeAttachedFiles(config, connection);
      return { warnings };
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

/**
 * Attaches every existing DuckDB file of `attach` READ-ONLY and detaches it again, so a file dbt could not open
 * (not a database, written by a newer DuckDB, locked by a writer) is reported now. Nothing is ever written.
 */
async function probeAttachedFiles(config: DuckDbConfig, connection: DuckDbApi.DuckDBConnection): Promise<void> {
  for (const [i, a] of config.attach.entries()) {
    if (a.type !== "duckdb" || !(await isFile(resolve(a.path)))) continue;
    const alias = `peva_probe_${i}`;
    try {
      await connection.run(`ATTACH ${sqlLiteral(resolve(a.path))} AS ${alias} (READ_ONLY)`);
    } catch (error) {
      throw new ProbeFailure(`attach '${a.alias}': cannot open ${a.path} read-only: ${error instanceof Error ? error.message : String(error)}`);
    }
    await connection.run(`DETACH ${alias}`);
  }
}

function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

async function requireRegularFile(path: string): Promise<void> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new ProbeFailure(`DuckDB database file not found: ${path} (validation never creates it)`);
    }
    throw error;
  }
  if (!info.isFile()) throw new ProbeFailure(`DuckDB database path is not a regular file: ${path}`);
}

function extensionWarnings(config: DuckDbConfig, available: ReadonlySet<string>): string[] {
  return config.extensions
    .filter((x) => !available.has(x))
    .map((x) => `extension '${x}' is not installed locally; dbt will run INSTALL ${x}, which needs network access`);
}

async function attachWarnings(config: DuckDbConfig): Promise<string[]> {
  const warnings: string[] = [];
  for (const a of config.attach) {
    if (a.type !== "duckdb" && a.type !== "sqlite") continue; // other types attach a service, not a local file
    if (await isFile(resolve(a.path))) continue;
    warnings.push(
      a.readOnly
        ? `attach '${a.alias}': file not found: ${a.path}; dbt will fail to attach it read-only`
        : `attach '${a.alias}': file not found: ${a.path}; dbt will create an empty database there`,
    );
  }
  return warnings;
}
