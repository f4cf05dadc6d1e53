/**
 * Reads the stack's raw config from the Pulumi runtime (the edge between Pulumi and the pure validator).
 */
import * as pulumi from "@pulumi/pulumi";

// `isConfigSecret` is exported by the SDK at run time but marked @internal, so its type is not published.
const runtimeWithSecrets = pulumi.runtime as unknown as { isConfigSecret(key: string): boolean };

/** Every config key of the stack, namespaced, and which of them Pulumi holds as secrets. */
export function readRawConfig(): { raw: Record<string, string>; secretKeys: string[] } {
  const raw = pulumi.runtime.allConfig();
  const secretKeys = Object.keys(raw).filter((k) => runtimeWithSecrets.isConfigSecret(k));
  return { raw, secretKeys };
}
