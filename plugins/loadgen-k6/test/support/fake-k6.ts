/**
 * Test support: a STAND-IN for the k6 executable, for process-control tests. k6 is AGPL-3.0 and is never installed
 * on the machines that run these tests, so the tests write a tiny executable named `k6` that imports this module.
 * It is not k6 and sends no traffic:
 *
 * - `k6 version` prints a k6-style version line;
 * - `k6 run … <script>` evaluates the generated script's JavaScript in Node (`eval-k6-script.ts`), calls its
 *   `setup()`, waits (`FAKE_K6_RUN_MS`, default the script's duration) or until SIGINT, then calls the script's own
 *   `handleSummary()` with a recorded k6 `data` object (`FAKE_K6_DATA`, a JSON file) and writes the files it
 *   returns, exactly where the script says (`PEVA_SUMMARY_PATH` from `--env`). It exits 0, or 105 after SIGINT, as
 *   k6 does.
 *
 * Other modes (`FAKE_K6_MODE`): `ignore-sigint` (only SIGKILL ends it), `script-error` (exit 107 like a script
 * exception), `no-summary` (exit 0 without writing anything). `FAKE_K6_RECORD` names a file that receives the argv
 * and environment it was started with.
 */
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { evaluateK6Script } from "./eval-k6-script.ts";

/** Writes an executable `k6` stand-in into `dir` that reports `version`; returns its path. */
export function writeFakeK6(dir: string, version = "v1.3.0"): string {
  const path = join(dir, "k6");
  const support = new URL("./fake-k6.ts", import.meta.url).href;
  writeFileSync(
    path,
    [
      `#!${process.execPath}`,
      `// STAND-IN for k6 in peva-lab's tests: k6 (AGPL-3.0) cannot be installed here. This is NOT k6.`,
      `import(${JSON.stringify(support)}).then((m) => m.main(process.argv.slice(2), ${JSON.stringify(version)}));`,
      ``,
    ].join("\n"),
  );
  chmodSync(path, 0o755);
  return path;
}

/** The path of this module (for diagnostics). */
export const FAKE_K6_MODULE = fileURLToPath(import.meta.url);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Entry point of the stand-in. */
export async function main(argv: readonly string[], version: string): Promise<void> {
  const env = process.env;
  if (env["FAKE_K6_RECORD"]) writeFileSync(env["FAKE_K6_RECORD"], JSON.stringify({ argv, env }, null, 2));
  if (argv[0] === "version") {
    process.stdout.write(`k6 ${version} (commit/fakefake, go1.24.0, linux/amd64)\n`);
    return;
  }
  if (argv[0] !== "run") {
    process.stderr.write(`fake k6: unsupported command ${argv[0] ?? ""}\n`);
    process.exit(2);
  }
  const scriptEnv: Record<string, string> = {};
  for (let i = 1; i < argv.length - 1; i++) {
    if (argv[i] === "--env") {
      const [k, ...v] = argv[++i]!.split("=");
      scriptEnv[k!] = v.join("=");
    }
  }
  const mode = env["FAKE_K6_MODE"] ?? "ok";
  process.stdout.write("fake k6 (test stand-in): running\n");
  if (mode === "script-error") {
    process.stderr.write('level=error msg="Uncaught (in promise) boom" source=stacktrace\n');
    process.exit(107);
  }
  if (mode === "no-summary") return;
  let interrupted = false;
  process.on("SIGINT", () => {
    if (mode !== "ignore-sigint") interrupted = true;
  });
  const script = evaluateK6Script(readFileSync(argv[argv.length - 1]!, "utf8"), { env: scriptEnv });
  const started = Date.now();
  const setupData = (script.exports["setup"] as () => unknown)();
  const meta = /^const PEVA_DATA = (.*);$/m.exec(readFileSync(argv[argv.length - 1]!, "utf8"));
  const durationMs = Number(env["FAKE_K6_RUN_MS"] ?? (meta ? (JSON.parse(meta[1]!) as { duration_s: number }).duration_s * 1000 : 1000));
  const until = mode === "ignore-sigint" ? Number.POSITIVE_INFINITY : started + durationMs;
  while (!interrupted && Date.now() < until) await sleep(20);
  const data = JSON.parse(readFileSync(env["FAKE_K6_DATA"]!, "utf8")) as Record<string, unknown>;
  data["setup_data"] = setupData;
  data["state"] = { isStdOutTTY: false, isStdErrTTY: false, testRunDurationMs: Date.now() - started };
  const files = (script.exports["handleSummary"] as (d: unknown) => Record<string, string>)(data);
  for (const [key, text] of Object.entries(files)) {
    if (key === "stdout") process.stdout.write(text);
    else writeFileSync(key, text);
  }
  process.exit(interrupted ? 105 : 0);
}
