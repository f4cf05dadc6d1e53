/**
 * One function on an OpenFaaS gateway, as the `OpenFaasFunction` resource manages it: the deployment request body,
 * and which changes update the function in place and which replace it. Pure.
 */

/** The names the stack config accepts for functions, re-exported for the resource, which checks them again. */
export { OPENFAAS_FUNCTION_NAME } from "../config/stack-config.ts";

/** What the resource asks the gateway for. */
export interface FunctionSpec {
  readonly name: string;
  readonly image: string;
  readonly envProcess?: string | undefined;
  readonly envVars: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly limits?: Readonly<{ memory?: string; cpu?: string }> | undefined;
}

/** The `FunctionDeployment` body of `POST`/`PUT /system/functions`. */
export function deploymentBody(spec: FunctionSpec): Record<string, unknown> {
  return {
    service: spec.name,
    image: spec.image,
    ...(spec.envProcess ? { envProcess: spec.envProcess } : {}),
    envVars: { ...spec.envVars },
    labels: { ...spec.labels },
    annotations: { ...spec.annotations },
    ...(spec.limits ? { limits: { ...spec.limits } } : {}),
  };
}

/** Fields whose change replaces the function: another name is another function, another image a new deployment. */
const REPLACING = ["gatewayUrl", "name", "image"] as const;
/** Fields updated in place with `PUT`. */
const UPDATING = ["envProcess", "envVars", "labels", "annotations", "limits", "password", "readyTimeoutSeconds"] as const;

/**
 * The diff of two resource states: `replaces` lists the fields that force a replacement, `changes` is true when
 * anything differs.
 */
export function diffFunction(olds: Readonly<Record<string, unknown>>, news: Readonly<Record<string, unknown>>): { changes: boolean; replaces: string[] } {
  const differs = (k: string) => JSON.stringify(olds[k] ?? null) !== JSON.stringify(news[k] ?? null);
  const replaces = REPLACING.filter(differs);
  return { changes: replaces.length > 0 || UPDATING.some(differs), replaces: [...replaces] };
}
