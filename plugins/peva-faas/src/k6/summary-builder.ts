/**
 * The JavaScript source of the `handleSummary` body embedded in every generated k6 script. It turns k6's summary
 * data into our versioned summary (schema {@link PEVA_SUMMARY_SCHEMA}). Kept as plain ES5-ish JavaScript text so
 * the same source runs inside k6 and, in unit tests, inside Node.
 */

/** Schema id of the summary JSON our scripts write. */
export const PEVA_SUMMARY_SCHEMA = "peva-faas-k6-summary/v1";

/** Env variable carrying the absolute path the script's `handleSummary` writes to. */
export const SUMMARY_PATH_ENV = "PEVA_SUMMARY_PATH";

/**
 * Source of `function buildPevaSummary(data, meta)`, where `meta = {config_id, duration_s, functions: [{name, id,
 * rate}]}`. Per function it records request count, passes/fails, success rates (with dropped iterations counted
 * as failures), avg/p95/p99 latency (ms), achieved rate, dropped iterations and `http_req_failed` of its scenario.
 * Missing observations are `null`.
 */
export const SUMMARY_BUILDER_SOURCE = `function buildPevaSummary(data, meta) {
  var metrics = (data && data.metrics) || {};
  function val(name, key) {
    var m = metrics[name];
    if (!m || !m.values) return null;
    var v = m.values[key];
    return typeof v === "number" && isFinite(v) ? v : null;
  }
  var out = {
    schema: "${PEVA_SUMMARY_SCHEMA}",
    config_id: meta.config_id,
    duration_s: meta.duration_s,
    test_run_duration_ms: data && data.state && typeof data.state.testRunDurationMs === "number" ? data.state.testRunDurationMs : null,
    functions: []
  };
  for (var i = 0; i < meta.functions.length; i++) {
    var f = meta.functions[i];
    var passes = val("success_rate_" + f.id, "passes");
    var fails = val("success_rate_" + f.id, "fails");
    var count = val("request_count_" + f.id, "count");
    var dropped = f.rate > 0 ? val("dropped_iterations{scenario:" + f.id + "}", "count") : 0;
    if (dropped === null) dropped = 0;
    var completed = passes === null || fails === null ? null : passes + fails;
    out.functions.push({
      name: f.name,
      metric_id: f.id,
      rate: f.rate,
      request_count: count,
      passes: passes,
      fails: fails,
      dropped_iterations: dropped,
      success_rate: completed === null || completed + dropped === 0 ? null : passes / (completed + dropped),
      success_rate_completed: completed === null || completed === 0 ? null : passes / completed,
      avg_latency_ms: val("latency_" + f.id, "avg"),
      p95_latency_ms: val("latency_" + f.id, "p(95)"),
      p99_latency_ms: val("latency_" + f.id, "p(99)"),
      achieved_rate: count === null || !(meta.duration_s > 0) ? null : count / meta.duration_s,
      http_req_failed: f.rate > 0 ? val("http_req_failed{scenario:" + f.id + "}", "rate") : null
    });
  }
  return out;
}`;
