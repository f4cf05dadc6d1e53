/**
 * The run folder's DFaaS export (`dfaas/`): a folder holding only files in the DFaaS sampler's `results.csv`
 * layout, latencies in nanoseconds whatever `results.latency_unit` says, so the DFaaS analysis code (which lists a
 * folder's `*.csv`, reads each with pandas' defaults and scales every column but `function_*`) can be pointed at
 * it. The run folder itself also holds `index.csv` (`;`-delimited), `skipped.csv` and `results_long.csv` (text
 * columns), which that code cannot read. A `README.txt` beside it gives each column's unit. Pure.
 */
import { resultsColumnUnits } from "./columns.ts";

/** The export folder's name inside the run folder. */
export const DFAAS_EXPORT_DIR = "dfaas";

/** The latency unit of the export: the DFaaS sampler's. */
export const DFAAS_LATENCY_UNIT = "ns";

/** `dfaas/README.txt`: what the folder is for, and the unit of every column family. */
export function dfaasReadmeText(): string {
  const units = Object.entries(resultsColumnUnits(DFAAS_LATENCY_UNIT)).map(([column, unit]) => {
    const name = column.endsWith("_") ? `${column}<function>` : column;
    return `  ${name.padEnd(36)} ${unit}`;
  });
  return [
    "DFaaS export of this run: results.csv in the DFaaS sampler's layout, one row per judged iteration.",
    "This folder holds nothing else, so code that reads every *.csv of a folder (the DFaaS analysis notebooks) can",
    "load it. Latencies are nanoseconds here whatever results.latency_unit is; ../run.json names the run, the",
    "platform, the generator and the campaign.",
    "",
    "Columns and units:",
    ...units,
    "",
  ].join("\n");
}
