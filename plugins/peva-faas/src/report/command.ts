/**
 * `peva-lab report [run] [--output DIR] [--out FILE]`: writes the report of a run. `run` is a run folder, or a run
 * id under the output directory; without it, the newest run there.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { findRunFolders } from "./find-runs.ts";
import { NotARunFolderError } from "./read-campaign.ts";
import { writeCampaignReport } from "./write-report.ts";

/** The command's usage text. */
export const REPORT_USAGE = "usage: peva-lab report [run folder | run id] [--output DIR] [--out FILE]\n";

/** Where the command writes and which output directory it searches by default. */
export interface ReportCommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** The output directory searched for run ids and the newest run (the project's `output/`). */
  readonly defaultOutput: string;
}

function parseArgs(argv: readonly string[]): { run?: string; output?: string; out?: string } | string {
  const out: { run?: string; output?: string; out?: string } = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--output" || a === "--out") {
      const v = argv[++i];
      if (v === undefined) return `${a} needs a value`;
      out[a === "--output" ? "output" : "out"] = v;
    } else if (a.startsWith("-")) return `unknown option ${a}`;
    else if (out.run === undefined) out.run = a;
    else return `one run only (got ${out.run} and ${a})`;
  }
  return out;
}

/** Runs the command; returns the exit code (0 written, 1 failed, 2 usage). */
export async function runReportCommand(argv: readonly string[], io: ReportCommandIo): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === "string") {
    io.stderr(`peva-lab report: ${args}\n${REPORT_USAGE}`);
    return 2;
  }
  const output = resolve(args.output ?? io.defaultOutput);
  let folder: string;
  if (args.run !== undefined && existsSync(join(args.run, "run.json"))) folder = args.run;
  else {
    const runs = findRunFolders(output).filter((r) => args.run === undefined || r.runId === args.run);
    if (runs.length === 0) {
      io.stderr(
        args.run === undefined
          ? `peva-lab report: no run under ${output} (run \`make up\` first, or pass a run folder)\n`
          : `peva-lab report: ${args.run} is neither a run folder nor a run id under ${output}\n`,
      );
      return 1;
    }
    if (args.run !== undefined && runs.length > 1) {
      io.stderr(`peva-lab report: run ${args.run} has ${runs.length} host folders; pass one:\n${runs.map((r) => `  ${r.folder}\n`).join("")}`);
      return 1;
    }
    folder = runs[0]!.folder;
  }
  try {
    const written = await writeCampaignReport(folder, args.out === undefined ? {} : { out: args.out });
    io.stdout(
      `report: ${written.html} (${(written.bytes / 1024).toFixed(0)} KiB, ${written.configurations} configurations, ${written.runFolders.length} run folder(s))\n` +
        `analysis: ${written.parquet.join(", ")}\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof NotARunFolderError) {
      io.stderr(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
