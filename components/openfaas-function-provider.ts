/**
 * Implementation of the `OpenFaasFunction` dynamic provider (runs in the dynamic-provider process, cwd = project):
 * one function on an OpenFaaS gateway through its REST API. Create deploys and waits for a ready replica (and
 * removes the function again if none comes, so a failed create leaves nothing behind); update `PUT`s and waits
 * again; a changed image or name replaces; delete removes, and a function already gone counts as removed.
 */
import { diffFunction, OPENFAAS_FUNCTION_NAME, type FunctionSpec } from "../plan/openfaas-function.ts";
import { deployFunction, functionStatus, removeFunction, updateFunction, waitUntilReady, type GatewayAccess } from "./openfaas-function/gateway-api.ts";

/** Provider inputs: the function, where its gateway is, and how long readiness may take. */
export interface OpenFaasFunctionInputs extends FunctionSpec {
  readonly gatewayUrl: string;
  /** The gateway's basic-auth password (a secret in the state). */
  readonly password: string;
  readonly readyTimeoutSeconds: number;
}

/** Provider outputs: the inputs plus what the gateway reported once the function was ready. */
export interface OpenFaasFunctionOutputs extends OpenFaasFunctionInputs {
  readonly replicas: number;
  readonly availableReplicas: number;
}

/** Checks what the gateway would otherwise receive, naming the field; throws before any request. */
function validate(inputs: OpenFaasFunctionInputs): GatewayAccess {
  if (!OPENFAAS_FUNCTION_NAME.test(inputs.name)) {
    throw new Error(`peva-lab:functions.name: ${JSON.stringify(inputs.name)} is not a function name OpenFaaS accepts (lower-case letters, digits and '-', at most 63)`);
  }
  if (inputs.image.trim() === "") throw new Error(`peva-lab:functions.${inputs.name}.image: an image is required`);
  let url: URL;
  try {
    url = new URL(inputs.gatewayUrl);
  } catch {
    throw new Error(`peva-lab:platform.gatewayUrl: ${JSON.stringify(inputs.gatewayUrl)} is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(`peva-lab:platform.gatewayUrl: ${url.protocol} is not http or https`);
  return { gatewayUrl: inputs.gatewayUrl, password: inputs.password };
}

async function deployedOutputs(access: GatewayAccess, inputs: OpenFaasFunctionInputs): Promise<OpenFaasFunctionOutputs> {
  const ready = await waitUntilReady(access, inputs.name, inputs.readyTimeoutSeconds);
  return { ...inputs, replicas: ready.replicas, availableReplicas: ready.availableReplicas };
}

/** Create: deploy, then wait for a ready replica. */
export async function create(inputs: OpenFaasFunctionInputs): Promise<{ id: string; outs: OpenFaasFunctionOutputs }> {
  const access = validate(inputs);
  await deployFunction(access, inputs);
  try {
    return { id: inputs.name, outs: await deployedOutputs(access, inputs) };
  } catch (error) {
    await removeFunction(access, inputs.name).catch(() => undefined);
    throw error;
  }
}

/** Diff: image and name replace (deleting first when the name stays: one name, one function); the rest updates. */
export function diff(olds: OpenFaasFunctionOutputs, news: OpenFaasFunctionInputs) {
  const { changes, replaces } = diffFunction(olds as unknown as Record<string, unknown>, news as unknown as Record<string, unknown>);
  return { changes, replaces, deleteBeforeReplace: replaces.length > 0 && olds.name === news.name };
}

/** Update: `PUT` the new spec, then wait for a ready replica. */
export async function update(_olds: OpenFaasFunctionOutputs, news: OpenFaasFunctionInputs): Promise<{ outs: OpenFaasFunctionOutputs }> {
  const access = validate(news);
  await updateFunction(access, news);
  return { outs: await deployedOutputs(access, news) };
}

/** Read (refresh): the gateway's replica counts; the desired spec stays as declared. */
export async function read(id: string, props: OpenFaasFunctionOutputs) {
  const status = await functionStatus({ gatewayUrl: props.gatewayUrl, password: props.password }, props.name);
  return { id, props: status ? { ...props, replicas: status.replicas, availableReplicas: status.availableReplicas } : props };
}

/** Delete: remove the function (idempotent). */
export async function remove(outs: OpenFaasFunctionOutputs): Promise<void> {
  await removeFunction({ gatewayUrl: outs.gatewayUrl, password: outs.password }, outs.name);
}
