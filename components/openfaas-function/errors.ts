/** Failures of the `OpenFaasFunction` resource, one class each, with the messages a user sees in `pulumi up`. */

/** The gateway refused the password: nothing was deployed, changed or removed. */
export class GatewayAuthError extends Error {
  constructor(gatewayUrl: string, action: string) {
    super(`peva-lab:gatewayPassword: the gateway at ${gatewayUrl} refused the password (HTTP 401) to ${action}; nothing was changed`);
    this.name = "GatewayAuthError";
  }
}

/** The gateway answered a deploy request with an error. */
export class GatewayRequestError extends Error {
  constructor(gatewayUrl: string, action: string, status: number, body: string) {
    super(`${action} on the gateway at ${gatewayUrl}: HTTP ${status}: ${body.trim().split("\n")[0]?.slice(0, 300) ?? ""}`);
    this.name = "GatewayRequestError";
  }
}

/** A deployed function had no ready replica within its bound. */
export class FunctionNotReadyError extends Error {
  constructor(gatewayUrl: string, name: string, seconds: number, last: string) {
    super(`function ${name} has no ready replica ${seconds} s after its deployment on ${gatewayUrl} (last status: ${last})`);
    this.name = "FunctionNotReadyError";
  }
}
