import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, describe, expect, it } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));
const memoryIndex = resolve(here, "../../src/memory/index.ts");
const modelPath = resolve(here, "../../src/model.ts");
const BATCH = 200;

/**
 * The child: opens the memory, then ingests batches forever. Each batch is new events plus a replay of the
 * previous batch (idempotency under load). A line `committed <b>` is printed only after the batch's transaction
 * committed; every few batches it checkpoints, so kills also land inside CHECKPOINT.
 */
const childSource = `
import { DuckDbMemoryStore, createMemoryEngine } from ${JSON.stringify(memoryIndex)};
import { makeConfiguration } from ${JSON.stringify(modelPath)};
const [dbPath, runId, startBatch] = process.argv.slice(2);
const engine = createMemoryEngine({
  store: new DuckDbMemoryStore({ dbPath }),
  session: { runId, campaignId: "crash", startedAt: 1, mode: "micro_batch", batchSizeN: 50, batchWindowS: 30, configHash: "h", gitRev: null, loadgen: "vegeta v12.13.0", latencyUnit: "ns" },
  policy: { updateOnline: () => undefined, updateBatch: (evs) => ({ score: evs.length }) },
});
await engine.startup();
const configs = Array.from({ length: 50 }, (_, i) => makeConfiguration([{ name: "f" + (i % 5), rate: i * 10 }]));
const batch = (b) => Array.from({ length: ${BATCH} }, (_, i) => ({
  campaignId: "crash", runId: "writer", config: configs[i % 50], iteration: b, repetition: 1 + Math.floor(i / 50),
  startTs: b, endTs: b + 1, status: "executed", skipReason: null,
  resultRow: { i, b, x: Math.random() }, metrics: { m: i }, loadReport: { generator: "vegeta v12.13.0", format: "vegeta-report-json/v12", document: { b, i, pad: "x".repeat(200) } },
}));
console.log("ready");
for (let b = Number(startBatch); ; b++) {
  await engine.ingestEvents(b > Number(startBatch) ? [...batch(b - 1), ...batch(b)] : batch(b));
  console.log("committed " + b);
  if (b % 4 === 0) await engine.checkpoint();
}
`;

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

/** Starts the child, waits for `killAfter` commits, SIGKILLs it while it is inside the next ingest. */
async function runAndKill(script: string, db: string, runId: string, startBatch: number, killAfter: number): Promise<number[]> {
  const child = spawn(process.execPath, [script, db, runId, String(startBatch)], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const committed: number[] = [];
  const exited = new Promise<NodeJS.Signals | null>((res) => child.on("exit", (_code, signal) => res(signal)));
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) {
    const m = /^committed (\d+)$/.exec(line);
    if (m) committed.push(Number(m[1]));
    if (committed.length >= killAfter) {
      child.kill("SIGKILL");
      break;
    }
  }
  const signal = await exited;
  expect(signal, `child ended on its own: ${stderr}`).toBe("SIGKILL");
  return committed;
}

async function rows(db: string, sql: string): Promise<Record<string, unknown>[]> {
  const inst = await DuckDBInstance.create(db);
  try {
    const c = await inst.connect();
    const out = (await c.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
    c.closeSync();
    return out;
  } finally {
    inst.closeSync();
  }
}

describe("a process killed mid-ingest", () => {
  it("leaves a file the next run opens: no duplicates, no committed event lost, no partial batch", async () => {
    const dir = mkdtempSync(join(tmpdir(), "peva-crash-"));
    roots.push(dir);
    const script = join(dir, "writer.ts");
    writeFileSync(script, childSource);
    const db = join(dir, "mem.duckdb");
    const allCommitted: number[] = [];
    let next = 1;
    for (const [round, killAfter] of [[1, 6], [2, 3], [3, 9]] as const) {
      const committed = await runAndKill(script, db, `run-${round}`, next, killAfter);
      allCommitted.push(...committed);
      const perBatch = await rows(
        db,
        "SELECT iteration AS b, count(*)::INTEGER AS n, count(DISTINCT (config_id, repetition))::INTEGER AS d FROM execution_events GROUP BY iteration ORDER BY iteration",
      );
      const stored = new Map(perBatch.map((r) => [Number(r["b"]), Number(r["n"])]));
      for (const b of allCommitted) expect(stored.get(b), `batch ${b} after round ${round}`).toBe(BATCH);
      for (const r of perBatch) {
        expect(Number(r["n"]), `batch ${String(r["b"])} is whole or absent`).toBe(BATCH);
        expect(Number(r["d"])).toBe(BATCH);
      }
      const [dups] = await rows(
        db,
        "SELECT count(*)::INTEGER - count(DISTINCT (config_id, iteration, repetition, run_id))::INTEGER AS extra FROM execution_events",
      );
      expect(dups!["extra"]).toBe(0);
      const [sums] = await rows(db, "SELECT count(*)::INTEGER AS n FROM loadgen_raw_reports");
      expect(sums!["n"]).toBe([...stored.values()].reduce((a, b) => a + b, 0));
      next = Math.max(...stored.keys()) + 1;
    }
    expect(allCommitted.length).toBeGreaterThanOrEqual(18);
    const sessions = await rows(db, "SELECT run_id, status FROM run_sessions ORDER BY run_id");
    expect(sessions).toEqual([
      { run_id: "run-1", status: "running" },
      { run_id: "run-2", status: "running" },
      { run_id: "run-3", status: "running" },
    ]);
  });
});
