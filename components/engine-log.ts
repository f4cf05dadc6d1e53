/**
 * Logging from inside a dynamic provider to the Pulumi engine, so long operations show progress in `pulumi up`.
 * The dynamic-provider host receives the engine's address as its first argument but opens no engine client
 * itself; we open one on demand. Messages attach to a resource when its URN is known (passed in as an input).
 */
import { createRequire } from "node:module";

/** Severity of an engine log message. */
export type Severity = "debug" | "info" | "warning" | "error";

/** Sends log lines to the engine; falls back to stderr outside a provider. */
export interface EngineLog {
  log(severity: Severity, message: string, opts?: { ephemeral?: boolean }): Promise<void>;
  close(): void;
}

interface EngineClientLike {
  log(req: unknown, cb: (err: Error | null) => void): void;
  close(): void;
}

/** Opens an engine logger for `urn`. */
export function openEngineLog(urn: string | undefined): EngineLog {
  const address = process.argv[2];
  // The SDK's generated gRPC stubs are CommonJS modules without type declarations for these internals.
  const require = createRequire(import.meta.url);
  let client: EngineClientLike | undefined;
  let proto: { LogRequest: new () => Record<string, (v: unknown) => void>; LogSeverity: Record<string, number> } | undefined;
  if (address && /^[\w.-]+:\d+$/.test(address)) {
    try {
      const grpc = require("@grpc/grpc-js") as { credentials: { createInsecure(): unknown } };
      const services = require("@pulumi/pulumi/proto/engine_grpc_pb.js") as { EngineClient: new (a: string, c: unknown) => EngineClientLike };
      proto = require("@pulumi/pulumi/proto/engine_pb.js") as typeof proto;
      client = new services.EngineClient(address, grpc.credentials.createInsecure());
    } catch {
      client = undefined;
    }
  }
  const severities: Record<Severity, string> = { debug: "DEBUG", info: "INFO", warning: "WARNING", error: "ERROR" };
  return {
    async log(severity, message, opts = {}) {
      if (!client || !proto) {
        process.stderr.write(`${severity}: ${message}\n`);
        return;
      }
      const req = new proto.LogRequest();
      req["setSeverity"]!(proto.LogSeverity[severities[severity]]);
      req["setMessage"]!(message);
      if (urn) req["setUrn"]!(urn);
      req["setEphemeral"]!(opts.ephemeral ?? false);
      await new Promise<void>((ok) => client!.log(req, () => ok()));
    },
    close() {
      client?.close();
    },
  };
}
