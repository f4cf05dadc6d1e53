import { describe, expect, it } from "vitest";
import {
  checkQuerySeries,
  MissingSeriesError,
  PrometheusClient,
  PrometheusQueryError,
  parseQueriesDocument,
  seriesProbes,
  seriesWaitSeconds,
  activeQueries,
  type SeriesCounter,
} from "../../src/prometheus/index.ts";

const FILE = `queries:
  - { name: cpu_usage_node, query: 'sum(rate(node_cpu[{time_span}]))' }
  - { name: cpu_usage_node_pct, query: 'pct(node_cpu[{time_span}])' }
  - { name: ram_usage_node, query: 'ram[{time_span}]' }
  - { name: ram_usage_node_pct, query: 'ram_pct[{time_span}]' }
  - { name: power_usage_node, query: 'host_power[{time_span}]', enabled_if: scaphandre }
  - { name: cpu_usage_function, query: 'fn_cpu{c="{function_name}"}[{time_span}]' }
  - { name: ram_usage_function, query: 'fn_ram{c="{function_name}"}[{time_span}]' }
  - { name: power_usage_function, query: 'power{pid=~"{pid_regex}"}[{time_span}]', enabled_if: scaphandre }
`;
const queries = activeQueries(parseQueriesDocument(FILE, "q.yml", { scaphandre: true }), true);

/** A clock the fake sleep advances, so the wait is bounded without real time passing. */
function fakeClock(): { now: () => number; sleep: (ms: number) => Promise<void> } {
  let t = 0;
  return { now: () => t, sleep: async (ms) => void (t += ms) };
}

/** A Prometheus stand-in: a query has a series from the clock time given (ms), never when undefined. */
function counter(clock: { now: () => number }, appearsAt: (promql: string) => number | undefined): SeriesCounter & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async countSeries(promql: string) {
      asked.push(promql);
      const at = appearsAt(promql);
      return at !== undefined && clock.now() >= at ? 1 : 0;
    },
  };
}

describe("series check before any load", () => {
  it("renders every node query once and every function query per function, over the idle snapshot's window, escaped", () => {
    const probes = seriesProbes({ queries, functions: ["figlet", 'we"ird'], pidRegexes: { figlet: "^(12|13)$" }, scrapeIntervalSeconds: 5 });
    expect(probes.filter((p) => p.function === undefined).map((p) => p.query)).toEqual(["cpu_usage_node", "cpu_usage_node_pct", "ram_usage_node", "ram_usage_node_pct", "power_usage_node"]);
    expect(probes.find((p) => p.query === "cpu_usage_function" && p.function === 'we"ird')?.promql).toBe('fn_cpu{c="we\\"ird"}[15s]');
    // Power needs a PID regex; only figlet has one, as in collection.
    expect(probes.filter((p) => p.query === "power_usage_function").map((p) => [p.function, p.promql])).toEqual([["figlet", 'power{pid=~"^(12|13)$"}[15s]']]);
  });

  it("waits for series that appear late and returns once each has been seen", async () => {
    const clock = fakeClock();
    const prom = counter(clock, (q) => (q.startsWith("fn_") ? 2000 : 0));
    await checkQuerySeries(prom, { queries, functions: ["figlet", "shasum"], queriesPath: "q.yml", scrapeIntervalSeconds: 1, ...clock });
    // Seen probes are not asked again: round 2 and 3 ask only the function queries.
    expect(prom.asked.filter((q) => q.startsWith("sum(rate(node_cpu"))).toHaveLength(1);
    expect(prom.asked.filter((q) => q === 'fn_ram{c="shasum"}[5s]')).toHaveLength(3);
    expect(clock.now()).toBe(2000);
  });

  it("gives up after the bounded wait, naming each query and function without series and the file", async () => {
    const clock = fakeClock();
    const prom = counter(clock, (q) => (q.includes('"nmap"') ? undefined : 0));
    const failure = await checkQuerySeries(prom, { queries, functions: ["figlet", "nmap"], queriesPath: "queries/openfaas.yml", scrapeIntervalSeconds: 5, ...clock }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(MissingSeriesError);
    expect((failure as Error).message).toBe(
      "Prometheus has no series after 60 s for cpu_usage_function (function 'nmap'), ram_usage_function (function 'nmap'); " +
        "queries file queries/openfaas.yml: each query needs a scrape job exporting its metric with the labels it selects " +
        "(on OpenFaaS: node-exporter, the kubelet's cAdvisor and the gateway), and each function must be deployed and running; no load was sent\n" +
        '  cpu_usage_function [nmap]: fn_cpu{c="nmap"}[15s]\n' +
        '  ram_usage_function [nmap]: fn_ram{c="nmap"}[15s]',
    );
    expect(clock.now()).toBeGreaterThanOrEqual(60_000);
    expect(clock.now()).toBeLessThan(62_000);
  });

  it("stops at once when Prometheus refuses a query", async () => {
    const refused = new PrometheusQueryError("Prometheus returned HTTP 400: bad_data: parse error", "x", "http://p");
    const prom: SeriesCounter = { countSeries: () => Promise.reject(refused) };
    await expect(checkQuerySeries(prom, { queries, functions: ["figlet"], queriesPath: "q.yml", scrapeIntervalSeconds: 1, ...fakeClock() })).rejects.toBe(refused);
  });

  it("waits ten scrapes and at least a minute", () => {
    expect(seriesWaitSeconds(1)).toBe(60);
    expect(seriesWaitSeconds(15)).toBe(150);
  });
});

describe("PrometheusClient.countSeries", () => {
  it("counts an empty result as 0 without retrying, and sends the query", async () => {
    const urls: string[] = [];
    const client = new PrometheusClient("http://prom.test:9090/", {
      emptyResultAttempts: 5,
      fetch: (async (url: string) => {
        urls.push(url);
        return new Response(JSON.stringify({ status: "success", data: { resultType: "vector", result: [] } }));
      }) as unknown as typeof fetch,
    });
    expect(await client.countSeries("up{job=\"a b\"}")).toBe(0);
    expect(urls).toEqual([`http://prom.test:9090/api/v1/query?${new URLSearchParams({ query: 'up{job="a b"}' }).toString()}`]);
  });
});
