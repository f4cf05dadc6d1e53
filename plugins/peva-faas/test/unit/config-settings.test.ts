/**
 * Every setting the workload accepts does something (issue 13, item 6): upstream settings that the lab decides
 * itself or that nothing implements are refused with what replaces them, and the keys the schema still accepts are
 * exactly a documented list of keys something reads.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { REFUSED_SETTINGS, WorkloadConfigObjectSchema } from "../../src/config/index.ts";
import { pevaFaasSettingsSchema } from "../../src/plugin.ts";
import { configIssues } from "./support/fixtures.ts";

const PROVISIONER_SSH =
  "peva-lab:provisioner (type ssh: hosts[].user and hosts[].port; type multipass: the VMs peva-lab creates; type local: no SSH)";
const SSH_KEY = "the SSH key is the stack secret peva-lab:sshPrivateKey (pulumi config set --secret peva-lab:sshPrivateKey < <key file>)";
const PORTS =
  "the platform's ports come from peva-lab:platform (gatewayPort, prometheusPort for type openfaas; the embedded platform picks free ports); " +
  "the runner gets the gateway and Prometheus URLs from the lab";

/** Each refused key, an upstream-style value for it, and its exact message (written out: a message is an interface). */
const REFUSED: readonly (readonly [key: string, value: unknown, message: string])[] = [
  [
    "config_path",
    "lb.yml",
    "not supported: peva-lab reads the workload settings from the stack config only (peva-lab:workloads.peva-faas.settings); " +
      "`peva-faas plan --spec <file>` takes a settings file directly",
  ],
  ["output_dir", "benchmark_results", "the lab decides where results go (peva-lab:output.dir: <dir>/<stack>/<run id>/<host>/peva_faas on the controller)"],
  ["run_id", "run-1", "the lab names each run (<stack>-<date>-<time>-<hex>, in the results path and in `pulumi stack output run`)"],
  ["k3s_host", "10.0.0.2", "the platform host comes from the stack's provisioner (peva-lab:provisioner: the host with role platform; this machine for type local)"],
  ["k3s_user", "ubuntu", `SSH to the platform host is set by ${PROVISIONER_SSH}`],
  ["k3s_port", 22, `SSH to the platform host is set by ${PROVISIONER_SSH}`],
  ["k3s_ssh_key", "~/.ssh/id_rsa", SSH_KEY],
  ["k6_host", "127.0.0.1", "the runner host comes from the stack's provisioner (peva-lab:provisioner: the host with role runner; this machine for type local)"],
  ["k6_user", "ubuntu", `SSH to the runner host is set by ${PROVISIONER_SSH}`],
  ["k6_port", 22, `SSH to the runner host is set by ${PROVISIONER_SSH}`],
  ["k6_ssh_key", "~/.ssh/id_rsa", SSH_KEY],
  [
    "k6_workspace_root",
    "/home/ubuntu/.peva_faas-k6",
    "the load generator works in loadgen/ of the run's results directory, which the lab chooses (under peva-lab:output.dir " +
      "on the local stack, ~/.peva-lab/benchmark_results/peva_faas/<run id> on a remote runner); results.keep_generator_files keeps its files",
  ],
  [
    "k6_log_stream",
    true,
    "not supported: the run's progress streams into the `pulumi up` output; the runner's events are in events.jsonl of " +
      "the results directory and its log in runner.log of the run directory on the runner host",
  ],
  [
    "k6",
    { max_vus: 10 },
    "moved to loadgen: {type: k6, expected_latency_ms, vus_headroom, max_preallocated_vus, max_vus, graceful_stop, stop_grace_seconds}; request_timeout is loadgen.request_timeout",
  ],
  ["k6_outputs", ["json=out.json"], "moved to loadgen: {type: k6, outputs: [...]}"],
  ["k6_tags", { a: 1 }, "moved to loadgen: {type: k6, tags: {...}}"],
  ["openfaas_port", 31112, PORTS],
  ["prometheus_port", 30411, PORTS],
  [
    "deploy_functions",
    true,
    "not needed: on peva-lab:platform type openfaas the lab deploys the campaign's functions itself, from its catalogue (figlet, shasum, env, " +
      "nmap, curl), through the gateway's API before the campaign starts; other functions must already be deployed. The embedded platform " +
      "(type local) serves figlet, shasum, env, markdown and qrcode",
  ],
  [
    "grafana",
    { enabled: true, url: "http://localhost:3000" },
    "not supported: peva-lab has no Grafana integration; each run's metrics are in results.csv, results_long.csv and metrics/ " +
      "of its results directory, and the platform's Prometheus holds the raw series",
  ],
  [
    "loki",
    { enabled: false },
    "not supported: peva-lab ships no logs to Loki; each run keeps events.jsonl in its results directory and runner.log on the runner host",
  ],
  [
    "gateway_url",
    "http://127.0.0.1:31112",
    "the lab gives the runner the deployed gateway's URL (peva-lab:platform); its password is the secret peva-lab:gatewayPassword " +
      "(pulumi config set --secret peva-lab:gatewayPassword <password>), never part of a URL",
  ],
  ["prometheus_url", "http://127.0.0.1:30411", "the lab gives the runner the URL of the Prometheus it deployed beside the platform (peva-lab:platform)"],
  ["queries_preset", "local", "the packaged queries follow the platform (peva-lab:platform type local or openfaas); queries_path names a file of your own"],
];

describe("refused settings name what replaces them", () => {
  it("the table covers every refused key", () => {
    expect(REFUSED.map(([key]) => key).sort()).toEqual(Object.keys(REFUSED_SETTINGS).sort());
  });

  it.each(REFUSED)("%s: exactly its message at its own path", (key, value, message) => {
    expect(configIssues({ [key]: value })).toEqual([`${key}: ${message}`]);
  });

  it("whatever the value (null, false, a disabled block): naming the key is the error", () => {
    const keys = Object.keys(REFUSED_SETTINGS) as (keyof typeof REFUSED_SETTINGS)[];
    fc.assert(
      fc.property(fc.constantFrom(...keys), fc.jsonValue(), (key, value) => {
        expect(configIssues({ [key]: value })).toEqual([`${key}: ${REFUSED_SETTINGS[key]}`]);
      }),
      { numRuns: 200 },
    );
  });

  it("is reported together with every other problem, a wrong type included (which stops cross-field checks)", () => {
    expect(configIssues({ iterations: "three", k3s_host: "10.0.0.2", grafana: { enabled: false } })).toEqual([
      `k3s_host: ${REFUSED_SETTINGS.k3s_host}`,
      `grafana: ${REFUSED_SETTINGS.grafana}`,
      expect.stringMatching(/^iterations: /),
    ]);
  });

  it("pulumi preview (the plugin's settings schema) refuses them with the same message at the same path", () => {
    const result = pevaFaasSettingsSchema.safeParse({ openfaas_port: 31112 });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => [i.path, i.message])).toEqual([[["openfaas_port"], REFUSED_SETTINGS.openfaas_port]]);
  });
});

/**
 * The settings the schema accepts, each with the module (under `plugins/peva-faas/src`) that reads it. A new key
 * must be added here with its reader, which is the point: a key nothing reads must be refused instead (see
 * `REFUSED_SETTINGS`). The test checks that the named module mentions `.<key>`.
 */
const USED_SETTINGS: Readonly<Record<string, string>> = {
  loadgen: "runner/cli.ts", // the generator plugin and its settings, the request timeout
  results: "runner/cli.ts", // keep_generator_files (latency_unit: runner/executor.ts)
  prometheus: "runner/cli.ts", // client timeouts and empty-result retries (window_mode: runner/executor.ts)
  functions: "plan/plan.ts",
  rate_strategy: "plan/plan.ts",
  rates: "config/parse.ts", // deprecated: becomes the linear strategy while that is the default
  combinations: "plan/plan.ts",
  duration: "runner/liveness.ts", // also the load window (as duration_seconds) and run.json
  iterations: "runner/cli.ts",
  max_configurations: "config/schema.ts", // the grid-size bound checked at validation
  selection_mode: "runner/cli.ts",
  micro_batch_size: "runner/cli.ts",
  micro_batch_window_s: "runner/cli.ts",
  scheduler: "runner/cli.ts",
  algorithm_entrypoint: "runner/cli.ts",
  entrypoint_dirs: "runner/cli.ts",
  cooldown: "runner/executor.ts",
  overload: "runner/executor.ts",
  contention: "runner/executor.ts",
  decide_early: "runner/executor.ts",
  early_abort: "runner/executor.ts",
  queries_path: "runner/cli.ts",
  scaphandre_enabled: "runner/executor.ts",
  function_pid_regexes: "runner/executor.ts",
  memory: "runner/cli.ts",
};


const source = (path: string): string => readFileSync(new URL(`../../src/${path}`, import.meta.url), "utf8");

describe("every accepted setting is read somewhere", () => {
  const shapeKeys = Object.keys(WorkloadConfigObjectSchema.shape);
  const accepted = shapeKeys.filter((key) => !(key in REFUSED_SETTINGS));

  it("the accepted top-level keys are exactly the documented ones", () => {
    expect(accepted.sort()).toEqual(Object.keys(USED_SETTINGS).sort());
  });

  it("every refused key is in the schema (refused with its message, not as an unknown key)", () => {
    for (const key of Object.keys(REFUSED_SETTINGS)) expect(shapeKeys).toContain(key);
  });

  it.each(Object.entries(USED_SETTINGS))("%s is read by %s", (key, path) => {
    expect(source(path)).toMatch(new RegExp(`\\.${key}\\b`));
  });
});
