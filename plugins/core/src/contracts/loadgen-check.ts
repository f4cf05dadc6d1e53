/**
 * The load-generator contract as checks on a result: what every `LoadgenPlugin` must return for a request. Pure;
 * the contract tests run it on every implementation's real output, and the runner runs it on every result before
 * a verdict is drawn from it, so a generator that breaks the contract fails loudly instead of skewing numbers.
 */
import type { FunctionLoadStats, LatencyStats, LoadRequest, LoadRunResult } from "./loadgen.ts";

const LATENCY_KEYS: readonly (keyof LatencyStats)[] = ["meanNs", "p50Ns", "p90Ns", "p95Ns", "p99Ns", "maxNs"];

/**
 * Every way `result` breaks the contract for `request`, as `functions[i].field: problem` lines (empty when it
 * conforms). `slackSeconds` is how far the load window may exceed the duration plus the request timeout.
 */
export function loadResultViolations(request: LoadRequest, result: LoadRunResult, slackSeconds = 5): string[] {
  const out: string[] = [];
  const { start, end } = result.window;
  if (!Number.isFinite(start) || !Number.isFinite(end)) out.push("window: start and end must be finite epoch seconds");
  else if (end < start) out.push(`window: end ${end} is before start ${start}`);
  else if (end - start > request.durationSeconds + request.requestTimeoutSeconds + slackSeconds) {
    out.push(`window: ${(end - start).toFixed(3)} s is longer than the duration plus the request timeout`);
  }
  if (result.outcome !== "completed" && result.outcome !== "stopped") out.push(`outcome: unknown '${String(result.outcome)}'`);
  if (!result.generator.name || !result.generator.version) out.push("generator: name and version are required");
  if (typeof result.raw.format !== "string" || result.raw.format === "") out.push("raw.format: required");
  if (result.functions.length !== request.targets.length) {
    out.push(`functions: ${result.functions.length} entries for ${request.targets.length} targets`);
  }
  request.targets.forEach((t, i) => {
    const f = result.functions[i];
    if (!f) return;
    out.push(...functionViolations(`functions[${i}]`, t.functionName, t.rate, f));
  });
  return out;
}

function functionViolations(at: string, name: string, rate: number, f: FunctionLoadStats): string[] {
  const out: string[] = [];
  const nonNegInt = (field: string, v: number): void => {
    if (!Number.isInteger(v) || v < 0) out.push(`${at}.${field}: ${v} is not a whole number >= 0`);
  };
  if (f.functionName !== name) out.push(`${at}.functionName: '${f.functionName}', expected '${name}' (request order)`);
  if (f.targetRate !== rate) out.push(`${at}.targetRate: ${f.targetRate}, expected ${rate}`);
  nonNegInt("requests", f.requests);
  nonNegInt("successes", f.successes);
  nonNegInt("dropped", f.dropped);
  nonNegInt("bytesIn", f.bytesIn);
  nonNegInt("bytesOut", f.bytesOut);
  for (const [k, v] of Object.entries(f.failures)) nonNegInt(`failures.${k}`, v);
  let responses = 0;
  for (const [code, n] of Object.entries(f.statusCodes)) {
    if (!/^\d{1,3}$/.test(code)) out.push(`${at}.statusCodes: key '${code}' is not an HTTP status`);
    nonNegInt(`statusCodes.${code}`, n);
    responses += n;
  }
  if (responses !== f.requests) out.push(`${at}.statusCodes: sum ${responses} != requests ${f.requests}`);
  const failed = f.failures.http + f.failures.timeout + f.failures.connection;
  if (f.successes + failed !== f.requests) {
    out.push(`${at}: successes ${f.successes} + failures ${failed} != requests ${f.requests}`);
  }
  if (rate === 0) {
    if (f.requests !== 0 || f.successRate !== 1) out.push(`${at}: an idle function (rate 0) sends nothing and has success 1`);
    return out;
  }
  const expectedRate = f.requests + f.dropped === 0 ? 0 : f.successes / (f.requests + f.dropped);
  if (Math.abs(f.successRate - expectedRate) > 1e-9) out.push(`${at}.successRate: ${f.successRate}, expected ${expectedRate}`);
  if (!(f.achievedRate >= 0)) out.push(`${at}.achievedRate: ${f.achievedRate} is not >= 0`);
  for (const [label, stats, count] of [
    ["latencyAll", f.latencyAll, f.requests],
    ["latencySuccess", f.latencySuccess, f.successes],
  ] as const) {
    for (const k of LATENCY_KEYS) {
      const v = stats[k];
      if (count === 0) {
        if (!Number.isNaN(v)) out.push(`${at}.${label}.${k}: ${v} for no responses (expected NaN)`);
      } else if (!Number.isInteger(v) || v < 0) out.push(`${at}.${label}.${k}: ${v} is not whole nanoseconds`);
    }
    if (count > 0 && !(stats.p50Ns <= stats.p90Ns && stats.p90Ns <= stats.p95Ns && stats.p95Ns <= stats.p99Ns && stats.p99Ns <= stats.maxNs)) {
      out.push(`${at}.${label}: percentiles are not ordered p50 <= p90 <= p95 <= p99 <= max`);
    }
  }
  return out;
}
