import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "@peva-lab/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DuckDbComputePlugin } from "../../src/index.ts";
import { fingerprint, REPO, writeCampaignMemory } from "./support.ts";

const plugin = new DuckDbComputePlugin({ logger: silentLogger });
let dir: string;
let db: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "peva-compute-duckdb-"));
  db = join(dir, "peva_faas.duckdb");
  await writeCampaignMemory(db);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("validateConnection on a real DuckDB file (001-FR-006, 001-FR-018, defect 13)", () => {
  it("reports a real file healthy and leaves it untouched: size, mtime and directory unchanged", async () => {
    const before = await fingerprint(db, dir);
    // A moment passes so a write would show in the mtime even on coarse-grained file systems.
    await new Promise((r) => setTimeout(r, 20));
    const result = await plugin.validateConnection({ path: db, memoryLimit: "512MB" });
    expect(result).toMatchObject({ status: "healthy", message: `Connected to DuckDB successfully (path: ${db})`, warnings: [] });
    expect(await fingerprint(db, dir)).toEqual(before);
  });

  it("a missing file is unhealthy and is not created", async () => {
    const missing = join(dir, "nope.duckdb");
    const before = (await readdir(dir)).sort();
    const result = await plugin.validateConnection({ path: missing });
    expect(result).toMatchObject({ status: "unhealthy", message: `DuckDB database file not found: ${missing} (validation never creates it)` });
    expect(existsSync(missing)).toBe(false);
    expect((await readdir(dir)).sort()).toEqual(before);
  });

  it("a directory is not a database", async () => {
    const result = await plugin.validateConnection({ path: dir });
    expect(result).toMatchObject({ status: "unhealthy", message: `DuckDB database path is not a regular file: ${dir}` });
  });

  it("a file that is not a DuckDB database is unhealthy with the driver's reason, and stays as it was", async () => {
    const notDb = join(dir, "README.md");
    await writeFile(notDb, "# not a database\n");
    const before = await fingerprint(notDb, dir);
    const result = await plugin.validateConnection({ path: notDb });
    expect(result.status).toBe("unhealthy");
    expect(result.message).toMatch(new RegExp(`^Failed to connect to DuckDB \\(path: ${notDb.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\): `));
    expect(await fingerprint(notDb, dir)).toEqual(before);
  });

  it("attached files: a missing read-only attach degrades the result; a present one does not", async () => {
    const ok = await plugin.validateConnection({ attach: [{ path: db, alias: "campaign", readOnly: true }] });
    expect(ok.status).toBe("healthy");
    const missing = join(dir, "gone.duckdb");
    const degraded = await plugin.validateConnection({ attach: [{ path: missing, alias: "campaign", readOnly: true }] });
    expect(degraded).toMatchObject({
      status: "degraded",
      warnings: [`attach 'campaign': file not found: ${missing}; dbt will fail to attach it read-only`],
    });
    expect(existsSync(missing)).toBe(false);
  });

  it("attached files are opened read-only in the probe: a non-database is unhealthy, a real one stays untouched", async () => {
    const notDb = join(dir, "notes.duckdb");
    await writeFile(notDb, "plain text\n");
    const bad = await plugin.validateConnection({ attach: [{ path: notDb, alias: "campaign" }] });
    expect(bad.status).toBe("unhealthy");
    expect(bad.message).toMatch(/^attach 'campaign': cannot open .*notes\.duckdb read-only: /);
    const before = await fingerprint(db, dir);
    await new Promise((r) => setTimeout(r, 20));
    expect((await plugin.validateConnection({ path: db, attach: [{ path: db, alias: "again", readOnly: true }] })).status).toBe("healthy");
    expect(await fingerprint(db, dir)).toEqual(before);
  });

  it("a file locked by a writer in another process is reported at once, not waited on", async () => {
    let writer: ChildProcess | undefined;
    try {
      // A second process holds the read-write lock, as a running campaign does on its memory file.
      writer = spawn(
        process.execPath,
        [
          "--input-type=module",
          "-e",
          `import { DuckDBInstance } from "@duckdb/node-api";
           const i = await DuckDBInstance.create(${JSON.stringify(db)}); await i.connect();
           process.stdout.write("ready\\n"); setInterval(() => {}, 1000);`,
        ],
        { cwd: REPO, stdio: ["ignore", "pipe", "inherit"] },
      );
      const [chunk] = (await once(writer.stdout!, "data")) as [Buffer];
      expect(chunk.toString()).toBe("ready\n");
      const result = await plugin.validateConnection({ path: db });
      expect(result.status).toBe("unhealthy");
      expect(result.message).toContain("lock");
      expect(result.latencyMs).toBeLessThan(10_000);
    } finally {
      if (writer?.pid !== undefined && writer.exitCode === null) {
        writer.kill("SIGTERM");
        await once(writer, "exit");
      }
    }
    // Once the writer is gone the file validates again.
    expect((await plugin.validateConnection({ path: db })).status).toBe("healthy");
  });

  it("healthCheck of a configured plugin validates its file", async () => {
    const p = new DuckDbComputePlugin({ logger: silentLogger });
    p.configure(p.parseConfig({ path: db }));
    expect(await p.healthCheck()).toMatchObject({ state: "healthy", message: `Connected to DuckDB successfully (path: ${db})` });
  });
});
