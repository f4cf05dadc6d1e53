/**
 * Pulumi mocks for component-tree tests: records every registered resource and lets a test shape the outputs of
 * a resource type (e.g. a command's stdout). See test/README.md for the pattern.
 */
import { createRequire } from "node:module";
import type * as pulumi from "@pulumi/pulumi";

/**
 * Dynamic providers are closure-serialized when a dynamic resource registers, which fails on vitest's transformed
 * modules. Under mocks no provider ever runs, so the serializer is replaced by a stand-in returning an empty module.
 * Call before the components are imported.
 */
export function stubDynamicProviderSerialization(): void {
  const closure = createRequire(import.meta.url)("@pulumi/pulumi/runtime/closure/serializeClosure") as {
    serializeFunction: (...args: unknown[]) => Promise<{ text: string; containsSecrets: boolean }>;
  };
  closure.serializeFunction = async () => ({ text: "exports.handler = undefined; // stand-in: providers never run under mocks", containsSecrets: false });
}

/** A resource the program registered. */
export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  /** Inputs as the engine would see them; secrets stay wrapped in the SDK's secret signature. */
  readonly inputs: Record<string, unknown>;
}

type Outputs = Record<string, unknown>;

// The SDK marks secret values in RPC payloads with this signature key/value pair.
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** Replaces every secret in a value by the string "[secret]". */
export function secretFree(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(secretFree);
  if (value && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    if (obj[SIG_KEY] === SECRET_SIG) return "[secret]";
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, secretFree(v)]));
  }
  return value;
}

/** Unwraps every secret in a value (to inspect what a secret holds). */
export function revealSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revealSecrets);
  if (value && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    if (obj[SIG_KEY] === SECRET_SIG) return revealSecrets(obj["value"]);
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, revealSecrets(v)]));
  }
  return value;
}

/** True when the value is a secret-wrapped RPC value. */
export function isSecretValue(value: unknown): boolean {
  return !!value && typeof value === "object" && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** Builds mocks that record resources; `outputs[type]` adds outputs for resources of that type. */
export function collectResources(outputs: Record<string, (args: pulumi.runtime.MockResourceArgs) => Outputs> = {}) {
  const resources: RecordedResource[] = [];
  const mocks: pulumi.runtime.Mocks = {
    newResource(args) {
      resources.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown> });
      const extra = outputs[args.type]?.(args) ?? {};
      return { id: `${args.name}-id`, state: { ...args.inputs, ...extra } };
    },
    call(args) {
      return args.inputs as Outputs;
    },
  };
  return {
    resources,
    mocks,
    /**
     * Resolves an output, then waits until no further registration arrives (registrations are asynchronous RPCs
     * that outputs do not wait for); bounded to 5 s.
     */
    async settle<T>(output: pulumi.Output<T>): Promise<T> {
      const value = await new Promise<T>((resolve) => output.apply((v) => resolve(v)));
      let stableRounds = 0;
      let seen = resources.length;
      for (let i = 0; i < 250 && stableRounds < 5; i++) {
        await new Promise((r) => setTimeout(r, 20));
        stableRounds = resources.length === seen ? stableRounds + 1 : 0;
        seen = resources.length;
      }
      return value;
    },
  };
}
