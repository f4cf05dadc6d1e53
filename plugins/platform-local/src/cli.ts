/** Command-line parsing of `peva-local-gateway`: argv → gateway options. Pure (no I/O), so it is unit-tested. */
import { parseArgs } from "node:util";
import { FUNCTION_NAMES, isFunctionName, type FunctionName } from "./functions.ts";
import type { GatewayOptions } from "./options.ts";

/** Usage text printed by `--help` and on errors. */
export const USAGE = `Usage: peva-local-gateway --password-file <path> [options]

  --host <addr>                 listen address (default 127.0.0.1)
  --port <n>                    TCP port, 0 = any free port (default 0)
  --functions <a,b,...>         functions to deploy (default ${FUNCTION_NAMES.join(",")})
  --min-replicas <n>            replicas per function at rest (default 1)
  --max-replicas <n>            replicas per function at most (default 4)
  --queue-depth <n>             queued requests per replica before 429 (default 32)
  --queue-timeout-ms <ms>       queued longer than this → 504 (default 10000)
  --exec-timeout-ms <ms>        running longer than this → 504, replica replaced (default 30000)
  --scale-interval-ms <ms>      autoscaler period (default 1000)
  --rate-window-ms <ms>         success-rate window of the autoscaler (default 10000)
  --target-rate <r>             successes/s per replica above which to scale up (default 5)
  --scale-factor <pct>          step as % of max replicas (default 20)
  --scale-up-after-ms <ms>      hot this long before each step up (default 5000)
  --scale-down-after-ms <ms>    cool this long before each step down (default 30000)
  --iterations <fn=n,...>       work knob: repetitions of the real operation per request
  --max-body-bytes <n>          larger bodies → 413 (default 1048576)
  --node-cpus <n>               CPUs of the platform's node (a cgroup's quota); with --node-memory-mb
  --node-memory-mb <n>          memory of the node, MiB; with --node-cpus
  --node-isolation <mode>       auto (a cgroup if possible, default) | cgroup (or fail) | processes
  --password-file <path>        basic-auth password of user admin for /system/* (required)
  --ready-file <path>           written atomically once serving: {"pid","port","url"}
  --help                        this text
`;

/** What the CLI runs: gateway options plus where to announce readiness. */
export interface CliCommand {
  readonly options: GatewayOptions;
  readonly readyFile: string | undefined;
  readonly help: boolean;
}

const NUMERIC = {
  port: "port",
  "min-replicas": "minReplicas",
  "max-replicas": "maxReplicas",
  "queue-depth": "queueDepth",
  "queue-timeout-ms": "queueTimeoutMs",
  "exec-timeout-ms": "execTimeoutMs",
  "scale-interval-ms": "scaleIntervalMs",
  "rate-window-ms": "rateWindowMs",
  "target-rate": "targetRatePerReplica",
  "scale-factor": "scaleFactorPercent",
  "scale-up-after-ms": "scaleUpAfterMs",
  "scale-down-after-ms": "scaleDownAfterMs",
  "max-body-bytes": "maxBodyBytes",
} as const;

/** Parses argv (without `node` and the script). Throws with a message naming the bad flag; range checks are the schema's. */
export function parseCli(argv: readonly string[]): CliCommand {
  const stringOptions = Object.fromEntries(Object.keys(NUMERIC).map((k) => [k, { type: "string" as const }]));
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      ...stringOptions,
      host: { type: "string" },
      functions: { type: "string" },
      iterations: { type: "string" },
      "password-file": { type: "string" },
      "node-cpus": { type: "string" },
      "node-memory-mb": { type: "string" },
      "node-isolation": { type: "string" },
      "ready-file": { type: "string" },
      help: { type: "boolean" },
    },
  });
  const v = values as Record<string, string | boolean | undefined>;
  const options: Record<string, unknown> = {};
  for (const [flag, key] of Object.entries(NUMERIC)) {
    const raw = v[flag];
    if (typeof raw !== "string") continue;
    const n = Number(raw);
    if (raw.trim() === "" || !Number.isFinite(n)) throw new Error(`--${flag}: '${raw}' is not a number`);
    options[key] = n;
  }
  if (typeof v["host"] === "string") options["host"] = v["host"];
  if (typeof v["functions"] === "string") options["functions"] = parseFunctionList(v["functions"]);
  if (typeof v["iterations"] === "string") options["iterations"] = parseIterations(v["iterations"]);
  if (typeof v["password-file"] === "string") options["passwordFile"] = v["password-file"];
  const node = parseNode(v);
  if (node) options["node"] = node;
  const help = v["help"] === true;
  if (!help && options["passwordFile"] === undefined) throw new Error("--password-file is required");
  return { options: options as GatewayOptions, readyFile: typeof v["ready-file"] === "string" ? v["ready-file"] : undefined, help };
}

/** `--node-*` flags → the node option; cpus and memory come together, isolation alone is an error. */
function parseNode(v: Record<string, string | boolean | undefined>): Record<string, unknown> | undefined {
  const cpus = v["node-cpus"];
  const memory = v["node-memory-mb"];
  const isolation = v["node-isolation"];
  if (cpus === undefined && memory === undefined && isolation === undefined) return undefined;
  if (typeof cpus !== "string" || typeof memory !== "string") throw new Error("--node-cpus and --node-memory-mb go together");
  const number = (flag: string, raw: string) => {
    const n = Number(raw);
    if (raw.trim() === "" || !Number.isInteger(n)) throw new Error(`--${flag}: '${raw}' is not a whole number`);
    return n;
  };
  return {
    cpus: number("node-cpus", cpus),
    memoryMb: number("node-memory-mb", memory),
    ...(typeof isolation === "string" ? { isolation } : {}),
  };
}

function parseFunctionList(raw: string): FunctionName[] {
  const names = raw.split(",").map((s) => s.trim()).filter((s) => s !== "");
  for (const n of names) if (!isFunctionName(n)) throw new Error(`--functions: unknown function '${n}' (known: ${FUNCTION_NAMES.join(", ")})`);
  return names as FunctionName[];
}

function parseIterations(raw: string): Partial<Record<FunctionName, number>> {
  const out: Partial<Record<FunctionName, number>> = {};
  for (const part of raw.split(",").map((s) => s.trim()).filter((s) => s !== "")) {
    const [name = "", value = ""] = part.split("=", 2);
    if (!isFunctionName(name)) throw new Error(`--iterations: unknown function '${name}'`);
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--iterations: '${part}' needs a positive integer`);
    out[name] = n;
  }
  return out;
}

/** The ready file's content. */
export interface ReadyInfo {
  readonly pid: number;
  readonly port: number;
  readonly url: string;
}
