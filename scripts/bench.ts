#!/usr/bin/env node
/**
 * `make bench`: runs every `bench/*.bench.ts` in its own Node process (so one benchmark's heap does not skew the
 * next) and writes their Markdown sections to docs/benchmarks.md under a header naming the machine and date.
 * A benchmark prints its section on stdout and exits non-zero when it could not measure.
 *
 * `node scripts/bench.ts <name>…` runs only the benchmarks whose file name contains a name, and replaces just their
 * sections (matched by heading) in docs/benchmarks.md, keeping the others; every section states when and on which
 * machine it was measured, so a partly refreshed file never passes old numbers off as new.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const only = process.argv.slice(2);
const files = readdirSync(join(root, "bench"))
  .filter((f) => f.endsWith(".bench.ts") && (only.length === 0 || only.some((o) => f.includes(o))))
  .sort();
const cpu = cpus();
const machine = `${cpu[0]?.model ?? "unknown CPU"}, ${cpu.length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const date = new Date().toISOString().slice(0, 10);
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
    // Every benchmark gets a heading, whether or not it prints its own, and its provenance under it.
    const withHeading = text.startsWith("## ") ? text : `## ${file.replace(/\.bench\.ts$/, "")}\n\n${text}`;
    const [heading, ...body] = withHeading.split("\n");
    sections.push(`${heading}\n\n_Measured ${date} on ${machine} (\`bench/${file}\`)._\n${body.join("\n")}\n`);
  }
  process.stderr.write(`bench: ${file} done in ${seconds} s\n`);
}
const header = [
  "# Benchmarks",
  "",
  "Written by `make bench` (scripts/bench.ts); do not edit by hand. Targets are checked by the benchmarks themselves;",
  "noisy measurements are reported as ratios against a baseline run in the same process.",
  "",
  `- machine (last full run): ${machine}`,
  `- date (last full run): ${date}`,
  "",
].join("\n");
const target = join(root, "docs/benchmarks.md");
writeFileSync(target, only.length === 0 || !existsSync(target) ? `${header}\n${sections.join("\n")}` : mergeSections(readFileSync(target, "utf8"), sections));
console.log(`docs/benchmarks.md written (${files.length} benchmarks, ${failed} failed)`);
process.exit(failed > 0 ? 1 : 0);

/** `doc` with each section of `fresh` replacing the section of the same `## ` heading, or appended when new. */
function mergeSections(doc: string, fresh: readonly string[]): string {
  const lines = doc.split("\n");
  const starts = lines.flatMap((l, i) => (l.startsWith("## ") ? [i] : []));
  const head = lines.slice(0, starts[0] ?? lines.length).join("\n");
  const old = starts.map((s, k) => lines.slice(s, starts[k + 1] ?? lines.length).join("\n").trimEnd() + "\n");
  const out = [...old];
  for (const section of fresh) {
    const heading = section.split("\n")[0];
    const at = out.findIndex((o) => o.split("\n")[0] === heading);
    if (at >= 0) out[at] = section;
    else out.push(section);
  }
  return `${head.trimEnd()}\n\n${out.join("\n")}`;
}
