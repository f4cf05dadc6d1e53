/**
 * The deploy API of the embedded platform, shaped like OpenFaaS's (`POST`/`PUT`/`DELETE /system/functions` with a
 * `FunctionDeployment` body): what a deployment is, how a request body is checked, and the status the gateway
 * reports for a deployed function. Pure; the gateway owns the pools.
 *
 * The embedded platform runs only its own functions ({@link FUNCTION_NAMES}): a deployment names one of them as
 * `service` and records the image, environment, labels, annotations and limits it was asked for. The environment
 * reaches the function's worker processes (the `env` function shows it); image, labels, annotations and limits
 * are recorded and reported, not enforced (the node's cgroup is the only limit).
 */
import { z } from "zod";
import { FUNCTION_NAMES, imageOf, isFunctionName, type FunctionName } from "./functions.ts";

/** A deployed function as the API was asked for it. */
export interface Deployment {
  readonly service: FunctionName;
  readonly image: string;
  readonly envProcess?: string;
  readonly envVars: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly limits?: Readonly<{ memory?: string; cpu?: string }>;
  readonly requests?: Readonly<{ memory?: string; cpu?: string }>;
}

/** The deployment a function has when the gateway starts with it: the platform's own image name, nothing else. */
export function initialDeployment(name: FunctionName): Deployment {
  return { service: name, image: imageOf(name), envVars: {}, labels: {}, annotations: {} };
}

const stringMap = z.record(z.string(), z.string());
const resources = z.object({ memory: z.string().optional(), cpu: z.string().optional() }).strip();
// Environment variable names as POSIX shells accept them: the values go to the workers' environment object (no
// shell ever sees them), the names are checked so that a listing never shows a name no process could read.
const envName = /^[A-Za-z_][A-Za-z0-9_]*$/;

const deploymentSchema = z
  .object({
    service: z.string().min(1, "service is required"),
    image: z.string().min(1, "image is required"),
    envProcess: z.string().optional(),
    envVars: stringMap.optional(),
    labels: stringMap.nullish(),
    annotations: stringMap.nullish(),
    limits: resources.nullish(),
    requests: resources.nullish(),
  })
  // OpenFaaS's body has more fields (namespace, constraints, secrets, …) that this platform has no use for.
  .strip();

/** Parses a `FunctionDeployment` body: the deployment, or the reason it is refused (a 400). */
export function parseDeployment(text: string): Deployment | { readonly error: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { error: "the body must be a JSON FunctionDeployment: {\"service\": \"<name>\", \"image\": \"<image>\", …}" };
  }
  const parsed = deploymentSchema.safeParse(raw);
  if (!parsed.success) return { error: parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ") };
  const d = parsed.data;
  if (!isFunctionName(d.service)) {
    return { error: `the embedded platform runs ${FUNCTION_NAMES.join(", ")}; it cannot deploy ${JSON.stringify(d.service)}` };
  }
  const badEnv = Object.keys(d.envVars ?? {}).filter((k) => !envName.test(k));
  if (badEnv.length > 0) return { error: `envVars: not environment variable names: ${badEnv.map((k) => JSON.stringify(k)).join(", ")}` };
  return {
    service: d.service,
    image: d.image,
    ...(d.envProcess === undefined ? {} : { envProcess: d.envProcess }),
    envVars: d.envVars ?? {},
    labels: d.labels ?? {},
    annotations: d.annotations ?? {},
    ...(d.limits ? { limits: d.limits } : {}),
    ...(d.requests ? { requests: d.requests } : {}),
  };
}

/** Parses the `DELETE /system/functions` body `{"functionName": "<name>"}`. */
export function parseDeleteRequest(text: string): { readonly functionName: string } | { readonly error: string } {
  try {
    const v = JSON.parse(text) as { functionName?: unknown };
    if (typeof v === "object" && v !== null && typeof v.functionName === "string" && v.functionName !== "") return { functionName: v.functionName };
  } catch {
    // falls through to the error below
  }
  return { error: 'the body must be JSON: {"functionName": "<name>"}' };
}

/** One entry of `GET /system/functions` (and `GET /system/function/<name>`), shaped like OpenFaaS's `FunctionStatus`. */
export interface FunctionStatusJson {
  readonly name: string;
  readonly image: string;
  readonly envProcess?: string;
  readonly envVars: Record<string, string>;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly limits?: { memory?: string; cpu?: string };
  readonly requests?: { memory?: string; cpu?: string };
  readonly replicas: number;
  readonly availableReplicas: number;
  readonly invocationCount: number;
}

/** The status of a deployed function from its deployment and its pool's counters. */
export function deploymentStatus(d: Deployment, pool: { readonly replicas: number; readonly availableReplicas: number; readonly invocationCount: number }): FunctionStatusJson {
  return {
    name: d.service,
    image: d.image,
    ...(d.envProcess === undefined ? {} : { envProcess: d.envProcess }),
    envVars: { ...d.envVars },
    labels: { ...d.labels },
    annotations: { ...d.annotations },
    ...(d.limits ? { limits: { ...d.limits } } : {}),
    ...(d.requests ? { requests: { ...d.requests } } : {}),
    replicas: pool.replicas,
    availableReplicas: pool.availableReplicas,
    invocationCount: pool.invocationCount,
  };
}
