/**
 * The `openfaas` query file against the series the `dev` stack's Prometheus really holds: a real Prometheus runs
 * the scrape jobs of the ConfigMap `plan/openfaas-cluster.ts` declares (node-exporter, the kubelet's cAdvisor with its `openfaas-fn` filter, the
 * gateway), with only the targets swapped for loopback servers of format samples (`fixtures/openfaas-endpoints/`;
 * k3s does not run here). Every query must find its series by the labels those endpoints produce and give the
 * value the samples imply; a failure names the query file and the query.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prometheusObjects } from "../../../../plan/openfaas-cluster.ts";
import { PrometheusClient } from "../../src/prometheus/client.ts";
import { loadQueriesFile, packagedQueriesPath } from "../../src/prometheus/files.ts";
import { activeQueries, renderQuery } from "../../src/prometheus/queries.ts";
import { checkQuerySeries, MissingSeriesError } from "../../src/prometheus/series-check.ts";
import { startPrometheusWithJobs, type ManagedProcess } from "./support/tools.ts";

const FIXTURES = join(import.meta.dirname, "fixtures/openfaas-endpoints");
const QUERY_FILE = packagedQueriesPath("openfaas");

/** Serves a sample file; every `*_total` counter grows by its sample value per second, so rate() is that value. */
async function sampleServer(file: string): Promise<{ server: Server; target: string }> {
  const text = readFileSync(join(FIXTURES, file), "utf8");
  const started = Date.now();
  const server = createServer((_req, res) => {
    const elapsed = (Date.now() - started) / 1000;
    const body = text.replace(/^(\w+_total\{[^}]*\}) ([0-9.e+]+)$/gm, (_m, series: string, v: string) => `${series} ${Number(v) * (1 + elapsed)}`);
    res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4" });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, target: `127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** The lab ConfigMap's scrape jobs, with each job's discovery and credentials replaced by a loopback target. */
function labJobs(targets: Readonly<Record<string, string>>): Record<string, unknown>[] {
  const { configMap } = prometheusObjects({ prometheusImage: "prom/prometheus:v2.52.0", nodeExporterImage: "prom/node-exporter:v1.8.1", nodePort: 30411 });
  const config = parseYaml(configMap.data["prometheus.yml"]) as { scrape_configs: Record<string, unknown>[] };
  return config.scrape_configs.map((job) => {
    const { kubernetes_sd_configs: _sd, tls_config: _tls, authorization: _auth, scheme: _scheme, static_configs: _static, ...rest } = job;
    const name = String(job["job_name"]);
    const target = targets[name];
    if (!target) throw new Error(`the lab's Prometheus has a scrape job ${name} this test has no samples for`);
    return { ...rest, static_configs: [{ targets: [target] }] };
  });
}

let prometheus: ManagedProcess;
const servers: Server[] = [];
beforeAll(async () => {
  const node = await sampleServer("node-exporter.prom");
  const cadvisor = await sampleServer("kubelet-cadvisor.prom");
  const gateway = await sampleServer("openfaas-gateway.prom");
  servers.push(node.server, cadvisor.server, gateway.server);
  prometheus = await startPrometheusWithJobs(labJobs({ node: node.target, "kubelet-cadvisor": cadvisor.target, "openfaas-gateway": gateway.target }));
});
afterAll(async () => {
  await prometheus?.stop();
  for (const s of servers) s.close();
});

/** Instant query, retried until it has series (the first scrapes take a few seconds), bounded to 30 s. */
async function settled(client: PrometheusClient, query: string): Promise<{ value: number; series: number }> {
  let last = { value: Number.NaN, series: 0 };
  for (let i = 0; i < 60; i++) {
    last = await client.instant(query).catch(() => last);
    if (last.series > 0 && Number.isFinite(last.value)) return last;
    await new Promise((r) => setTimeout(r, 500));
  }
  return last;
}

describe("openfaas.yml against the lab's scrape jobs", () => {
  // What the samples imply: node CPU idle 0.6 and 0.8 of a core, memory 8 GB with 6 GB available; figlet's two
  // replicas use 0.15 + 0.10 cores and 20 + 12 MB (the pod-level cgroup, container="", and the gateway's
  // container in another namespace must not count).
  const expected: Record<string, number> = {
    cpu_usage_node: 60,
    cpu_usage_node_pct: 30,
    ram_usage_node: 2e9,
    ram_usage_node_pct: 25,
    cpu_usage_function: 25,
    ram_usage_function: 32e6,
  };

  it("every query finds its series by their real labels and gives the value the samples imply", async () => {
    const client = new PrometheusClient(prometheus.url, { emptyResultAttempts: 1 });
    const queries = activeQueries(loadQueriesFile(QUERY_FILE), false);
    expect(queries.map((q) => q.name).sort()).toEqual(Object.keys(expected).sort());
    // The whole 5 s window filled with samples first: a series younger than its window makes rate() extrapolate
    // from less than the window and under-state the rate.
    await settled(client, "count(container_cpu_usage_seconds_total)");
    await new Promise((r) => setTimeout(r, 8000));
    for (const q of queries) {
      const promql = renderQuery(q.query, { time_span: "5s", function_name: "figlet" });
      const r = await settled(client, promql);
      expect(r.series, `${QUERY_FILE}: query ${q.name} found no series with the labels it asks for: ${promql}`).toBeGreaterThan(0);
      expect(Math.abs(r.value - expected[q.name]!) / expected[q.name]!, `${QUERY_FILE}: query ${q.name} = ${r.value}, expected ${expected[q.name]}`).toBeLessThan(0.05);
    }
  });

  it("the cAdvisor job keeps only the functions' namespace, and every job is up", async () => {
    const client = new PrometheusClient(prometheus.url, { emptyResultAttempts: 1 });
    expect((await settled(client, 'count by (namespace) (container_memory_usage_bytes{namespace="openfaas-fn"})')).value).toBe(3);
    // The gateway's container (namespace openfaas) was scraped too, and dropped by the job's filter.
    await expect(client.instant('container_memory_usage_bytes{namespace="openfaas"}')).rejects.toThrow("returned no data");
    expect((await settled(client, "sum(up)")).value).toBe(3);
    expect((await settled(client, 'gateway_service_count{function_name="figlet.openfaas-fn"}')).value).toBe(2);
  });

  it("the runner's series check passes for a deployed function and names the query and function that have none", async () => {
    const client = new PrometheusClient(prometheus.url, { emptyResultAttempts: 1 });
    const queries = activeQueries(loadQueriesFile(QUERY_FILE), false);
    const check = (functions: string[], waitSeconds: number) =>
      checkQuerySeries(client, { queries, functions, queriesPath: QUERY_FILE, scrapeIntervalSeconds: 1, waitSeconds });
    await check(["figlet"], 60);
    // nmap is not among the samples' containers, as on a lab whose cAdvisor job is missing or mislabelled.
    const failure = await check(["figlet", "nmap"], 3).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(MissingSeriesError);
    expect((failure as MissingSeriesError).missing.map((m) => `${m.query}/${m.function}`).sort()).toEqual(["cpu_usage_function/nmap", "ram_usage_function/nmap"]);
    expect((failure as Error).message).toContain(`ram_usage_function (function 'nmap'), cpu_usage_function (function 'nmap'); queries file ${QUERY_FILE}`);
  });
});
