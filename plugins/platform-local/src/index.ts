/**
 * `@peva-lab/platform-local`: an OpenFaaS-compatible gateway on loopback running real functions (figlet, shasum,
 * env, markdown, qrcode) in worker processes, with bounded queues, autoscaling and Prometheus metrics.
 */
export { startGateway, type Gateway } from "./gateway.ts";
export { parseDeployment, type Deployment, type FunctionStatusJson } from "./deployments.ts";
export { gatewayOptionsSchema, type GatewayOptions, type ResolvedGatewayOptions } from "./options.ts";
export { parseCli, USAGE, type CliCommand, type ReadyInfo } from "./cli.ts";
export { DEFAULT_BODIES, DEFAULT_ITERATIONS, CONTENT_TYPES, FUNCTION_NAMES, isFunctionName, imageOf, type FunctionName } from "./functions.ts";
export { admit, queueExpired, type Admission, type AdmissionState } from "./admission.ts";
export {
  decideScale,
  scalingStep,
  windowRate,
  INITIAL_SCALING_STATE,
  type ScalingPolicy,
  type ScalingObservation,
  type ScalingState,
  type ScalingDecision,
  type RateSample,
} from "./scaling.ts";
export { renderMetrics, Histogram, DURATION_BUCKETS, METRICS_CONTENT_TYPE, type FunctionMetricsSnapshot, type GatewayMetricsSnapshot } from "./metrics.ts";
export { checkBasicAuth, basicAuthHeader, passwordFromFile, BASIC_AUTH_USER, WWW_AUTHENTICATE } from "./auth.ts";
export { default as LocalPlatformPlugin, localPlatformConfigSchema, GATEWAY_MAIN, type LocalPlatformConfig } from "./plugin.ts";
