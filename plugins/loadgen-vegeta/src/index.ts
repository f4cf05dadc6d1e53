/**
 * `@peva-lab/loadgen-vegeta`: the bundled open-loop load generator, driving vegeta 12 (MIT).
 */
export { default, default as VegetaLoadgen } from "./plugin.ts";
export { DEFAULT_VEGETA_SETTINGS, vegetaSettingsSchema, type VegetaSettings } from "./settings.ts";
export { attackArgv, decimalSeconds, encodeArgv, jsonTarget, reportArgv, runFiles, targetsFileContent } from "./argv.ts";
export type { AttackOptions, RunFiles, VegetaJsonTarget } from "./argv.ts";
export {
  CLIENT_TIMEOUT_ERROR,
  classify,
  FunctionAccumulator,
  functionStats,
  loadWindow,
  parseEncodedLine,
  parseTimestamp,
} from "./records.ts";
export type { AttackRecord, RequestOutcome } from "./records.ts";
export { findExecutable, majorOf, parseVersion, probeVegeta, VEGETA_FIX, VEGETA_MAJOR } from "./probe.ts";
export type { VegetaTool } from "./probe.ts";
export { RAW_FORMAT, startRun } from "./run.ts";
export type { RawFunctionReport, RunContext } from "./run.ts";
