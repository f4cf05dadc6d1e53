/** Contract of `reporter` plugins: turn a finished run's results into reports. */
import { Plugin } from "./plugin.ts";

/** Where a run's results are and where reports go. */
export interface ReportInput {
  readonly runId: string;
  readonly resultsDir: string;
  readonly outputDir: string;
}

/** One written report file. */
export interface ReportArtifact {
  readonly path: string;
  readonly mediaType: string;
}

/** A report writer (markdown summary, plots, …). */
export abstract class ReporterPlugin<TConfig = unknown> extends Plugin<TConfig> {
  readonly type = "reporter" as const;
  /** Writes the reports and returns what it wrote. */
  abstract report(input: ReportInput): Promise<readonly ReportArtifact[]>;
}
