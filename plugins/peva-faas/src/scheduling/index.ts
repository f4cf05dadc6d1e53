/** Public API of configuration selection: contracts, built-in schedulers and policy, loaders, simulator. */
export type {
  ChooseBatchRequest,
  ConfigOutcome,
  ConfigScheduler,
  FeatureLookup,
  KnownVerdict,
  PolicyAlgorithm,
  ProposeBatchRequest,
  SchedulerContext,
  SchedulerProposal,
  SkipDecision,
} from "./contracts.ts";
export { POLICY_MEMBERS, SCHEDULER_MEMBERS } from "./contracts.ts";
export {
  BUILTIN_SCHEDULERS,
  ENTRYPOINT_PATTERN,
  desiredBatchSize,
  schedulerSpecSchema,
  selectionConfigSchema,
  selectionConfigShape,
  type BuiltinSchedulerName,
  type SchedulerSpec,
  type SelectionConfig,
} from "./config.ts";
export { OverloadIndex, dominates, isBelowOrEqual } from "./dominance.ts";
export { CartesianScheduler, type CartesianSchedulerOptions } from "./cartesian.ts";
export {
  NoOpPolicy,
  PolicyContractError,
  SchedulerStalledError,
  selectBatch,
  type BatchSelection,
  type SelectBatchOptions,
} from "./policy.ts";
export { CellOrigin, CellState, RateGrid, type Inference } from "./grid.ts";
export { bisection, greedy, guidedSplit, searchGrid, type Answer, type SearchStrategy, type StrategyName } from "./frontier-search.ts";
export { FrontierScheduler, type FrontierSchedulerOptions, type SetFrontier } from "./frontier.ts";
export {
  EntrypointError,
  allowedEntrypointRoots,
  checkExportShape,
  importEntrypoint,
  loadEntrypoint,
  parseEntrypoint,
  resolveEntrypointModule,
  type CheckedExport,
  type EntrypointErrorReason,
  type EntrypointRoots,
  type EntrypointSpec,
  type LoadEntrypointOptions,
} from "./entrypoint.ts";
export { checkEntrypoints, type EntrypointProblem, type EntrypointSettings } from "./entrypoint-check.ts";
export {
  createPolicy,
  createScheduler,
  type LoaderOptions,
  type PolicyInputs,
  type SchedulerInputs,
} from "./factory.ts";
export {
  crossSetMonotoneModel,
  exhaustiveWithDominance,
  frontierOf,
  linearCapacityModel,
  seededMonotoneModel,
  simulateCampaign,
  syntheticConfigurations,
  type OverloadOracle,
  type SimulateOptions,
  type SimulationResult,
} from "./simulator.ts";
export {
  DEFAULT_EARLY_ABORT,
  DEFAULT_TIMING,
  abortedLoadSeconds,
  compareStrategies,
  fullMethodConfiguration,
  fullVerdict,
  iterationOverloaded,
  type CampaignStrategy,
  type EarlyAbortModel,
  type LoadRatio,
  type SimulatedLab,
  type StrategyOutcome,
  type TimingModel,
} from "./campaign-time.ts";
