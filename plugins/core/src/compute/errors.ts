/**
 * Compute errors (floe `compute_errors.py`, ported), shared by every compute plugin and by compute governance. `String(error)` / `error.message` end in ` [correlation_id=…]` when a correlation id is set, so a log
 * line can be joined with the run that produced it.
 *
 * Upstream's spec also named a `QueryError`; it is deliberately absent: a compute plugin never executes
 * campaign SQL (001-FR-004a), dbt does and reports its own query errors.
 */

/** Options every compute error accepts. */
export interface ComputeErrorOptions {
  /** Id of the operation (run, campaign) this error belongs to; appended to the message. */
  readonly correlationId?: string | undefined;
  /** The underlying error, kept as the standard `cause`. */
  readonly cause?: unknown;
}

/** Base class: `"{message}"`, or `"{message} [correlation_id={id}]"` when an id is set. */
export class ComputeError extends Error {
  override name = "ComputeError";
  /** The message without the correlation suffix. */
  readonly baseMessage: string;
  readonly correlationId: string | undefined;
  constructor(message: string, options: ComputeErrorOptions = {}) {
    const suffix = options.correlationId === undefined ? "" : ` [correlation_id=${options.correlationId}]`;
    super(`${message}${suffix}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.baseMessage = message;
    this.correlationId = options.correlationId;
  }
}

/** The engine could not be reached or opened. */
export class ComputeConnectionError extends ComputeError {
  override name = "ComputeConnectionError";
  readonly pluginName: string | undefined;
  constructor(message: string, options: ComputeErrorOptions & { readonly pluginName?: string | undefined } = {}) {
    super(message, options);
    this.pluginName = options.pluginName;
  }
}

/** An operation did not finish within its bound. */
export class ComputeTimeoutError extends ComputeError {
  override name = "ComputeTimeoutError";
  readonly pluginName: string | undefined;
  readonly timeoutSeconds: number | undefined;
  constructor(
    message: string,
    options: ComputeErrorOptions & { readonly pluginName?: string | undefined; readonly timeoutSeconds?: number | undefined } = {},
  ) {
    super(message, options);
    this.pluginName = options.pluginName;
    this.timeoutSeconds = options.timeoutSeconds;
  }
}

/**
 * A compute selection or compute config is invalid. `pluginName` names what is wrong, as upstream does: a plugin
 * name, or a config key such as `compute.approved` / `compute.default`.
 */
export class ComputeConfigurationError extends ComputeError {
  override name = "ComputeConfigurationError";
  readonly pluginName: string | undefined;
  readonly validationErrors: readonly string[];
  constructor(
    message: string,
    options: ComputeErrorOptions & {
      readonly pluginName?: string | undefined;
      readonly validationErrors?: readonly string[] | undefined;
    } = {},
  ) {
    super(message, options);
    this.pluginName = options.pluginName;
    this.validationErrors = options.validationErrors ?? [];
  }
}

/** A transform resolves to different computes in different environments (001-FR-014). */
export class EnvironmentParityError extends ComputeConfigurationError {
  override name = "EnvironmentParityError";
  readonly transform: string;
  /** Resolved compute per environment, sorted by environment name. */
  readonly computes: Readonly<Record<string, string>>;
  constructor(transform: string, computes: Readonly<Record<string, string>>, options: ComputeErrorOptions = {}) {
    const envs = Object.keys(computes).sort();
    const rendered = envs.map((env) => `${env}=${computes[env] ?? ""}`).join(", ");
    super(
      `Environment parity violation for transform '${transform}': compute differs across environments (${rendered}). ` +
        "Each transform must use the same compute in all environments.",
      { ...options, pluginName: transform },
    );
    this.transform = transform;
    this.computes = Object.fromEntries(envs.map((env) => [env, computes[env] ?? ""]));
  }
}

/** Renders a list the way upstream's messages do (Python repr): `['a', 'b']`. */
export function pyList(items: readonly string[]): string {
  return `[${items.map((i) => `'${i}'`).join(", ")}]`;
}
