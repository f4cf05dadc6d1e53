/**
 * Preloaded into the Node.js dynamic-provider host by peva-lab's launcher
 * (`tools/pulumi-resource-pulumi-nodejs/pulumi-resource-pulumi-nodejs`). On the first Ctrl+C, `pulumi up` sends
 * each provider a Cancel request, but the stock host answers it and does nothing, and the CLI starts plugins in
 * process groups of their own, so the terminal's SIGINT never reaches them either: a campaign would run on to its
 * end. This hook wraps the host's Cancel handler to also emit {@link CANCEL_EVENT}, which `BenchmarkRun` treats
 * like the STOP file. Nothing else of the host changes.
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { CANCEL_EVENT } from "./stop-request.ts";

interface GrpcServerPrototype {
  addService(service: object, implementation: Record<string, unknown>): void;
}

// The host's own copy of @grpc/grpc-js: resolved from where the project's @pulumi/pulumi resolves it.
const fromProject = createRequire(join(process.cwd(), "package.json"));
const hostScript = fromProject.resolve("@pulumi/pulumi/cmd/dynamic-provider");
const grpc = createRequire(hostScript)("@grpc/grpc-js") as { Server: { prototype: GrpcServerPrototype } };

const addService = grpc.Server.prototype.addService;
grpc.Server.prototype.addService = function (service: object, implementation: Record<string, unknown>): void {
  const cancel = implementation["cancel"];
  if (typeof cancel !== "function") return addService.call(this, service, implementation);
  // grpc-js binds handlers to the implementation object: keep it as the prototype so `this` still works.
  const wrapped = Object.create(implementation) as Record<string, unknown>;
  wrapped["cancel"] = function (this: unknown, ...args: unknown[]) {
    process.emit(CANCEL_EVENT as "SIGINT");
    return (cancel as (...a: unknown[]) => unknown).apply(implementation, args);
  };
  return addService.call(this, service, wrapped);
};
