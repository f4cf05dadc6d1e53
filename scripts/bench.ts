#!/usr/bin/env node
/**
 * `make bench`: runs every `bench/*.bench.ts` in its own Node process (so one benchmark's heap does not skew the
 * next) and writes their Markdown sections to docs/benchmarks.md under a header naming the machine and date.
 * A benchmark prints its section on stdout and exits non-zero when it could not measure.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const only = process.argv.slice(2);
const files = readdirSync(join(root, "bench"))
  .filter((f) => f.endsWith(".bench.ts") && (only.length === 0 || only.some((o) => f.includes(o))))
  .sort();
const sections: string[] = [];
let failed = 0;
for (const file of files) {
  const started = Date.now();
  process.stderr.write(`bench: ${file} …\n`);
  const run = spawnSync(process.execPath, [join(root, "bench", file)], { cwd: root, encoding: "utf8", timeout: 1_800_000 });
  process.stderr.write(run.stderr);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (run.status !== 0) {
    failed++;
    sections.push(`## ${file}\n\nFAILED (exit ${run.status ?? run.signal}) after ${seconds} s; see \`make bench\` output.\n`);
  } else {
    const text = run.stdout.trim();
    // Every benchmark gets a heading, whether or not it prints its own.
    sections.push(`${text.startsWith("## ") ? "" : `## ${file.replace(/\.bench\.ts$/, "")}\n\n`}${text}\n`);
  }
  process.stderr.write(`bench: ${file} done in ${seconds} s\n`);
}
const cpu = cpus();
const header = [
  "# Benchmarks",
  "",
  "Written by `make bench` (scripts/bench.ts); do not edit by hand. Targets are checked by the benchmarks themselves;",
  "noisy measurements are reported as ratios against a baseline run in the same process.",
  "",
  `- machine: ${cpu[0]?.model ?? "unknown CPU"}, ${cpu.length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  `- date: ${new Date().toISOString().slice(0, 10)}`,
  "",
].join("\n");
writeFileSync(join(root, "docs/benchmarks.md"), `${header}\n${sections.join("\n")}`);
console.log(`docs/benchmarks.md written (${files.length} benchmarks, ${failed} failed)`);
process.exit(failed > 0 ? 1 : 0);
