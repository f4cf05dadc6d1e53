/** Contract of `secrets` plugins: credentials (SSH keys, registry tokens) from a secret store. */
import { Plugin } from "./plugin.ts";

/** A secret store. */
export abstract class SecretsPlugin<TConfig = unknown> extends Plugin<TConfig> {
  readonly type = "secrets" as const;
  /** The secret's value, or `undefined` when absent. */
  abstract getSecret(key: string): Promise<string | undefined>;
  /** Creates or replaces a secret. */
  abstract setSecret(key: string, value: string): Promise<void>;
  /** Keys (never values) starting with `prefix`. */
  abstract listSecrets(prefix?: string): Promise<readonly string[]>;
}
