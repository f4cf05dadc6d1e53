/**
 * The JavaScript embedded in every generated k6 script that records responses (init code and `pevaRecord`) and
 * turns k6's end-of-test data into our versioned summary (`buildPevaSummary`, schema {@link PEVA_SUMMARY_SCHEMA}).
 * Plain ES5 text with no k6 imports of its own, so the very same source runs inside k6 and, in the unit tests,
 * inside Node.
 *
 * ## What is counted, and how
 * Per loaded function `<id>` (see `ids.ts`) the script keeps:
 * - `latency_all_<id>` / `latency_ok_<id>`: k6 Trends (milliseconds) of every request / of the successful ones;
 * - `status_<bucket>_<id>`: one Counter per status bucket. Every request adds 1 to exactly one bucket, with one
 *   sample, so the buckets always add up to the requests; the other figures are sums of buckets:
 *   - each code of {@link COUNTED_STATUS_CODES}: responses with that status;
 *   - `otherok` / `otherfail`: responses with any other status, inside / outside 200–399;
 *   - `0timeout`: no response within the request timeout (k6 `error_code` 1050, or 1211 when the timeout struck
 *     while dialling);
 *   - `0conn`: no response for any other reason (refused, reset, DNS, TLS, …).
 * - per scenario (= per function), through always-passing thresholds that make k6 report the submetrics:
 *   `dropped_iterations`, `data_received` and `data_sent` (bytes on the wire, headers and TLS included).
 *
 * k6's summary holds only aggregated metrics, so it cannot enumerate arbitrary status codes: codes outside the
 * list are folded into the `other` status key (mapped to `"999"` in `FunctionLoadStats.statusCodes`, see
 * `OTHER_STATUS_KEY`), while success and failure counts stay exact.
 *
 * Sample order matters: once a stop ends an iteration's context, k6 drops that iteration's remaining samples.
 * `pevaRecord` adds the latencies first and the status bucket last, so every counted request has its latency.
 */

/** Schema id of the summary JSON the generated `handleSummary` writes. */
export const PEVA_SUMMARY_SCHEMA = "peva-faas-k6-summary/v2";

/** `raw.format` of the results: our summary document. */
export const RAW_FORMAT = "k6-summary/v2";

/** Env variable carrying the absolute path the script's `handleSummary` writes to. */
export const SUMMARY_PATH_ENV = "PEVA_SUMMARY_PATH";

/** Status codes counted one by one; the others fold into the `other` key. */
export const COUNTED_STATUS_CODES: readonly number[] = Object.freeze([
  200, 201, 202, 204, 206, 301, 302, 303, 304, 307, 308, 400, 401, 403, 404, 405, 408, 409, 413, 415, 422, 429, 500,
  501, 502, 503, 504,
]);

/** The status key of the summary document for responses whose code is not in {@link COUNTED_STATUS_CODES}. */
export const SUMMARY_OTHER_KEY = "other";

/** k6 `error_code`s counted as timeouts: 1050 request timeout, 1211 TCP dial timeout. */
export const TIMEOUT_ERROR_CODES: readonly number[] = Object.freeze([1050, 1211]);

/** The buckets every request is counted in exactly once. */
export const STATUS_BUCKETS: readonly string[] = Object.freeze([
  ...COUNTED_STATUS_CODES.map(String),
  "otherok",
  "otherfail",
  "0timeout",
  "0conn",
]);

/** The k6 metric names of one function id (the same names the embedded JavaScript builds). */
export function k6MetricNames(id: string): {
  readonly latencyAll: string;
  readonly latencyOk: string;
  readonly status: (bucket: string) => string;
  readonly dropped: string;
  readonly bytesIn: string;
  readonly bytesOut: string;
} {
  return {
    latencyAll: `latency_all_${id}`,
    latencyOk: `latency_ok_${id}`,
    status: (bucket) => `status_${bucket}_${id}`,
    dropped: `dropped_iterations{scenario:${id}}`,
    bytesIn: `data_received{scenario:${id}}`,
    bytesOut: `data_sent{scenario:${id}}`,
  };
}

/**
 * Source of the init-context code and of `pevaRecord(target, res, startedMs, nowMs)`. Expects `PEVA_DATA`, `Counter`
 * and `Trend` in scope; creates `PEVA_METRICS` (k6 only allows metrics to be created in the init context).
 */
export const RECORDER_SOURCE = `var PEVA_METRICS = {};
(function () {
  for (var i = 0; i < PEVA_DATA.targets.length; i++) {
    var id = PEVA_DATA.targets[i].id;
    var buckets = {};
    for (var j = 0; j < PEVA_DATA.buckets.length; j++) {
      buckets[PEVA_DATA.buckets[j]] = new Counter("status_" + PEVA_DATA.buckets[j] + "_" + id);
    }
    PEVA_METRICS[id] = { all: new Trend("latency_all_" + id, true), ok: new Trend("latency_ok_" + id, true), buckets: buckets };
  }
})();

function pevaRecord(target, res, startedMs, nowMs) {
  var m = PEVA_METRICS[target.id];
  var status = res.status;
  var ok = status >= 200 && status < 400;
  var bucket;
  var ms;
  if (!(status > 0)) {
    bucket = PEVA_DATA.timeout_error_codes.indexOf(res.error_code) >= 0 ? "0timeout" : "0conn";
    ms = nowMs - startedMs;
  } else {
    var code = String(status);
    bucket = PEVA_DATA.counted_status_codes.indexOf(status) >= 0 ? code : ok ? "otherok" : "otherfail";
    var t = res.timings;
    ms = t.duration + t.connecting + t.tls_handshaking;
  }
  if (ok) m.ok.add(ms);
  m.all.add(ms);
  m.buckets[bucket].add(1);
}`;

/**
 * Source of `buildPevaSummary(data, meta, endMs)`: `data` is k6's `handleSummary` argument (legacy layout,
 * `metrics[name].values`), `meta` is the script's `PEVA_DATA`, `endMs` the wall clock when k6 called
 * `handleSummary`. Counters k6 does not report were never incremented and count 0; a Trend it does not report
 * had no samples and is `null`.
 */
export const SUMMARY_BUILDER_SOURCE = `function buildPevaSummary(data, meta, endMs) {
  var metrics = data && typeof data.metrics === "object" && data.metrics !== null ? data.metrics : null;
  function value(name, key) {
    var m = metrics ? metrics[name] : null;
    if (!m || !m.values) return null;
    var v = m.values[key];
    return typeof v === "number" && isFinite(v) ? v : null;
  }
  function count(name) {
    var v = value(name, "count");
    return v === null ? 0 : v;
  }
  function trend(name) {
    var m = metrics ? metrics[name] : null;
    if (!m || !m.values) return null;
    return {
      count: value(name, "count"),
      avg: value(name, "avg"),
      p50: value(name, "med"),
      p90: value(name, "p(90)"),
      p95: value(name, "p(95)"),
      p99: value(name, "p(99)"),
      max: value(name, "max")
    };
  }
  var setup = data ? data.setup_data : null;
  var state = data ? data.state : null;
  var out = {
    schema: "${PEVA_SUMMARY_SCHEMA}",
    duration_s: meta.duration_s,
    request_timeout_s: meta.request_timeout_s,
    window: {
      start_ms: setup && typeof setup.start_ms === "number" ? setup.start_ms : null,
      end_ms: endMs
    },
    test_run_duration_ms: state && typeof state.testRunDurationMs === "number" ? state.testRunDurationMs : null,
    metrics_found: metrics !== null,
    counted_status_codes: meta.counted_status_codes,
    functions: []
  };
  for (var i = 0; i < meta.functions.length; i++) {
    var f = meta.functions[i];
    var entry = {
      name: f.name,
      metric_id: f.id,
      rate: f.rate,
      requests: 0,
      successes: 0,
      failures: { http: 0, timeout: 0, connection: 0 },
      status_codes: {},
      latency_all_ms: null,
      latency_success_ms: null,
      dropped_iterations: 0,
      bytes_in: 0,
      bytes_out: 0
    };
    if (f.rate > 0) {
      for (var j = 0; j < meta.counted_status_codes.length; j++) {
        var code = meta.counted_status_codes[j];
        var n = count("status_" + code + "_" + f.id);
        if (n > 0) {
          entry.status_codes[String(code)] = n;
          if (code >= 200 && code < 400) entry.successes += n;
          else entry.failures.http += n;
        }
      }
      var otherOk = count("status_otherok_" + f.id);
      var otherFail = count("status_otherfail_" + f.id);
      if (otherOk + otherFail > 0) entry.status_codes["${SUMMARY_OTHER_KEY}"] = otherOk + otherFail;
      entry.successes += otherOk;
      entry.failures.http += otherFail;
      entry.failures.timeout = count("status_0timeout_" + f.id);
      entry.failures.connection = count("status_0conn_" + f.id);
      if (entry.failures.timeout + entry.failures.connection > 0) {
        entry.status_codes["0"] = entry.failures.timeout + entry.failures.connection;
      }
      entry.requests = entry.successes + entry.failures.http + entry.failures.timeout + entry.failures.connection;
      entry.latency_all_ms = trend("latency_all_" + f.id);
      entry.latency_success_ms = trend("latency_ok_" + f.id);
      entry.dropped_iterations = count("dropped_iterations{scenario:" + f.id + "}");
      entry.bytes_in = count("data_received{scenario:" + f.id + "}");
      entry.bytes_out = count("data_sent{scenario:" + f.id + "}");
    }
    out.functions.push(entry);
  }
  return out;
}`;
