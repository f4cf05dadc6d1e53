/** Validation of a plugin's raw config against its zod schema, with every failing field named by its path. */
import type { z } from "zod";
import { PluginConfigurationError, type ConfigFieldError } from "./errors.ts";

/**
 * Parses `raw` with `schema`, applying the schema's defaults. Without a schema the raw value is returned as is.
 * Throws {@link PluginConfigurationError} listing every invalid field (`nested.port: … (too_small)`).
 */
export function validatePluginConfig<T>(pluginName: string, schema: z.ZodType<T> | undefined, raw: unknown): T {
  if (schema === undefined) return raw as T;
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  throw new PluginConfigurationError(pluginName, configFieldErrors(result.error));
}

/** One {@link ConfigFieldError} per issue; an unknown key is reported at its own path rather than its parent's. */
export function configFieldErrors(error: z.ZodError): ConfigFieldError[] {
  return error.issues.flatMap((issue): ConfigFieldError[] => {
    const base = issue.path.map(String);
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((k) => ({ field: [...base, k].join("."), message: "Unrecognized key", type: issue.code }));
    }
    return [{ field: base.join("."), message: issue.message || "Unknown error", type: issue.code ?? "unknown" }];
  });
}
