/**
 * Compute governance (floe `compute_registry.py` + `compiler.py`, ADR-0010): an approved list with a default,
 * per-transform selection, environment parity and restricted child lists, with upstream's exact messages (lists
 * render like Python, `['duckdb', 'spark']`). Upstream never wired these checks to a manifest (defect 15);
 * {@link validateComputeSelection} is the pure function a stack-config loader calls on the `compute` sections of
 * its stacks, so a violation fails before anything is provisioned (001-FR-013, SC-005).
 */
import type { ComputePlugin, PluginRegistry } from "@peva-lab/core";
import { pyList } from "./config.ts";
import { ComputeConfigurationError, EnvironmentParityError } from "./errors.ts";

/** Options of a {@link ComputeRegistry}. */
export interface ComputeRegistryOptions {
  /**
   * Names of the compute plugins that can be loaded (see {@link availableComputePlugins}). When given, every
   * approved name must be among them, and all missing ones are reported in one error. When absent, availability
   * is not checked (a pure governance check, e.g. in a config linter).
   */
  readonly available?: readonly string[] | undefined;
}

/** The computes a scope (enterprise, domain, lab) approves, and the one used when nothing is selected. */
export class ComputeRegistry {
  readonly #approved: readonly string[];
  readonly #default: string;
  readonly #available: readonly string[] | undefined;

  /** Throws {@link ComputeConfigurationError} for an empty list, an unapproved default or unavailable plugins. */
  constructor(approved: readonly string[], defaultCompute: string, options: ComputeRegistryOptions = {}) {
    if (approved.length === 0) {
      throw new ComputeConfigurationError("Approved compute list cannot be empty", { pluginName: "compute.approved" });
    }
    if (!approved.includes(defaultCompute)) {
      throw new ComputeConfigurationError(`Default compute '${defaultCompute}' must be in approved list: ${pyList(approved)}`, {
        pluginName: "compute.default",
      });
    }
    const available = options.available;
    if (available !== undefined) {
      const missing = approved.filter((name) => !available.includes(name));
      if (missing.length > 0) {
        // One aggregate error even when every approved target is missing (the spec's edge case).
        throw new ComputeConfigurationError(
          `Approved compute plugins not found: ${pyList(missing)}. Check that these plugins are installed and discoverable.`,
          { pluginName: "compute.approved", validationErrors: missing },
        );
      }
    }
    this.#approved = [...approved];
    this.#default = defaultCompute;
    this.#available = available === undefined ? undefined : [...available];
  }

  /** A copy of the approved list. */
  get approved(): string[] {
    return [...this.#approved];
  }

  /** The default compute. */
  get default(): string {
    return this.#default;
  }

  /** The default compute (upstream's `get_default()`). */
  getDefault(): string {
    return this.#default;
  }

  /** True when `name` is approved. */
  isApproved(name: string): boolean {
    return this.#approved.includes(name);
  }

  /** The compute to use: the default for `undefined`/`null`, else `name` if approved; throws otherwise. */
  validateSelection(name?: string | null): string {
    if (name === undefined || name === null) return this.#default;
    if (!this.isApproved(name)) {
      throw new ComputeConfigurationError(`Compute '${name}' is not in the approved list. Allowed computes: ${pyList(this.#approved)}`, {
        pluginName: name,
      });
    }
    return name;
  }

  /** The loaded plugin for an approved selection (the default for `undefined`), from the framework's registry. */
  async get(name: string | null | undefined, plugins: PluginRegistry): Promise<ComputePlugin> {
    return plugins.get("compute", this.validateSelection(name));
  }

  /**
   * A child scope (a domain under the enterprise) whose list must be a subset of this one. Its default is the
   * given one, else this default if the child approves it, else the child's first entry. It shares availability.
   */
  createRestricted(approved: readonly string[], defaultCompute?: string): ComputeRegistry {
    const notAllowed = approved.filter((name) => !this.isApproved(name));
    if (notAllowed.length > 0) {
      throw new ComputeConfigurationError(
        `Compute targets ${pyList(notAllowed)} are not in the parent approved list. Parent allows: ${pyList(this.#approved)}`,
        { pluginName: "compute.approved", validationErrors: notAllowed },
      );
    }
    const childDefault = defaultCompute ?? (approved.includes(this.#default) ? this.#default : approved[0]);
    // An empty child list leaves no default; the constructor then reports the empty list.
    return new ComputeRegistry(approved, childDefault ?? "", { available: this.#available });
  }
}

/** Names of the compute plugins the framework can load: known, API-compatible and not refused. Loads nothing. */
export function availableComputePlugins(plugins: PluginRegistry): string[] {
  return plugins
    .list("compute")
    .filter((info) => info.error === undefined && info.compatible !== false)
    .map((info) => info.name);
}

/** A transform (a dbt model) and the compute it asks for; absent means the default. */
export interface TransformConfig {
  readonly name: string;
  readonly compute?: string | null | undefined;
}

/** The compute of one transform (001-FR-012). */
export function resolveTransformCompute(transform: TransformConfig, registry: ComputeRegistry): string {
  return registry.validateSelection(transform.compute);
}

/** `{ name: compute }` for every transform. */
export function resolveTransformsCompute(transforms: readonly TransformConfig[], registry: ComputeRegistry): Record<string, string> {
  return Object.fromEntries(transforms.map((t) => [t.name, resolveTransformCompute(t, registry)]));
}

/** Copies of the transforms with `compute` resolved. */
export function compileTransforms(transforms: readonly TransformConfig[], registry: ComputeRegistry): TransformConfig[] {
  return transforms.map((t) => ({ ...t, compute: resolveTransformCompute(t, registry) }));
}

/**
 * Parity violations (001-FR-014): a transform present in several environments must resolve to one compute. Each
 * environment resolves with `registry`, or with its own registry when a map is given. An unapproved compute
 * throws at once, as upstream does. Errors are sorted by transform name.
 */
export function checkEnvironmentParity(
  envTransforms: Readonly<Record<string, readonly TransformConfig[]>>,
  registry: ComputeRegistry | Readonly<Record<string, ComputeRegistry>>,
): EnvironmentParityError[] {
  const byTransform = new Map<string, Record<string, string>>();
  for (const env of Object.keys(envTransforms).sort()) {
    const reg = registry instanceof ComputeRegistry ? registry : registry[env];
    if (reg === undefined) throw new ComputeConfigurationError(`No compute registry for environment '${env}'`, { pluginName: env });
    for (const t of envTransforms[env] ?? []) {
      const computes = byTransform.get(t.name) ?? {};
      computes[env] = resolveTransformCompute(t, reg);
      byTransform.set(t.name, computes);
    }
  }
  return [...byTransform.keys()]
    .sort()
    .map((name) => [name, byTransform.get(name)!] as const)
    .filter(([, computes]) => new Set(Object.values(computes)).size > 1)
    .map(([name, computes]) => new EnvironmentParityError(name, computes));
}

/** Throws the first parity violation, if any. */
export function validateEnvironmentParity(
  envTransforms: Readonly<Record<string, readonly TransformConfig[]>>,
  registry: ComputeRegistry | Readonly<Record<string, ComputeRegistry>>,
): void {
  const [first] = checkEnvironmentParity(envTransforms, registry);
  if (first !== undefined) throw first;
}

/**
 * The part of a stack config's `compute` section governance reads. `plugin` is the stack's compute (the default
 * of its transforms); `transforms` optionally pins single transforms. Other keys (`threads`, `memoryLimit`) are
 * the plugin's config and are ignored here.
 */
export interface StackComputeSection {
  readonly plugin?: string | undefined;
  readonly transforms?: Readonly<Record<string, string | null | undefined>> | undefined;
  readonly [key: string]: unknown;
}

/** The lab's compute policy: what may be selected, and what a stack gets when it selects nothing. */
export interface ComputePolicy {
  readonly approved: readonly string[];
  readonly default: string;
  /** The enclosing scope's list (enterprise → lab, 001-FR-015/016): `approved` must be a subset of it. */
  readonly parent?: { readonly approved: readonly string[]; readonly default: string } | undefined;
  /** Loadable compute plugins ({@link availableComputePlugins}); absent skips the availability check. */
  readonly available?: readonly string[] | undefined;
  /** Transforms every stack runs (the dbt project's models); parity covers them even where no stack names them. */
  readonly transforms?: readonly string[] | undefined;
}

/** The policy when nothing else is configured: DuckDB only. */
export const DEFAULT_COMPUTE_POLICY: ComputePolicy = Object.freeze({ approved: Object.freeze(["duckdb"]), default: "duckdb" });

/**
 * Pseudo-transform used by the parity check for a stack's own `plugin`: it stands for every transform that does
 * not name a compute, so two stacks selecting different computes violate parity even when no transform is listed
 * (REQ-024 forbids choosing the compute per environment).
 */
export const DEFAULT_TRANSFORM = "*";

/** One governance violation, located in the stack config. */
export interface ComputeSelectionIssue {
  /** The stack whose config is wrong; `undefined` for the policy itself or a cross-stack (parity) violation. */
  readonly stack: string | undefined;
  /** Where in a stack config (`["compute", "plugin"]`) or in the policy (`["approved"]`). */
  readonly path: readonly string[];
  readonly message: string;
  readonly error: ComputeConfigurationError;
}

/** What each stack resolved to. */
export interface ResolvedStackCompute {
  /** The stack's compute (its `plugin`, or the policy default). */
  readonly compute: string;
  /** Compute per transform, for every transform named by any stack or by the policy. */
  readonly transforms: Readonly<Record<string, string>>;
}

/** Outcome of {@link validateComputeSelection}. */
export interface ComputeSelectionResult {
  readonly ok: boolean;
  readonly issues: readonly ComputeSelectionIssue[];
  /** Stacks whose selection resolved, by name. */
  readonly stacks: Readonly<Record<string, ResolvedStackCompute>>;
}

/**
 * Validates the `compute` sections of one or more stacks against a policy, without throwing: the policy itself
 * (empty list, unapproved default, not a subset of its parent, plugins not found), each stack's `plugin` and
 * pinned transforms (approved list), and parity across stacks (every transform, including {@link DEFAULT_TRANSFORM},
 * must resolve to one compute in every stack).
 */
export function validateComputeSelection(
  stacks: Readonly<Record<string, StackComputeSection | undefined>>,
  policy: ComputePolicy = DEFAULT_COMPUTE_POLICY,
): ComputeSelectionResult {
  const issues: ComputeSelectionIssue[] = [];
  const issue = (stack: string | undefined, path: readonly string[], error: unknown): void => {
    if (!(error instanceof ComputeConfigurationError)) throw error;
    issues.push({ stack, path, message: error.message, error });
  };

  let registry: ComputeRegistry;
  try {
    registry =
      policy.parent === undefined
        ? new ComputeRegistry(policy.approved, policy.default, { available: policy.available })
        : new ComputeRegistry(policy.parent.approved, policy.parent.default, { available: policy.available }).createRestricted(
            policy.approved,
            policy.default,
          );
  } catch (error) {
    const field = error instanceof ComputeConfigurationError && error.pluginName === "compute.default" ? "default" : "approved";
    issue(undefined, [field], error);
    return { ok: false, issues, stacks: {} };
  }

  const names = [...Object.keys(stacks)].sort();
  const transformNames = new Set<string>(policy.transforms ?? []);
  for (const name of names) for (const t of Object.keys(stacks[name]?.transforms ?? {})) transformNames.add(t);
  const sortedTransforms = [...transformNames].sort();

  const resolved: Record<string, ResolvedStackCompute> = {};
  const envTransforms: Record<string, TransformConfig[]> = {};
  for (const name of names) {
    const section = stacks[name] ?? {};
    let compute: string;
    try {
      compute = registry.validateSelection(section.plugin);
    } catch (error) {
      issue(name, ["compute", "plugin"], error);
      continue;
    }
    const transforms: Record<string, string> = {};
    let valid = true;
    for (const t of sortedTransforms) {
      const pinned = section.transforms?.[t];
      try {
        transforms[t] = pinned === undefined || pinned === null ? compute : registry.validateSelection(pinned);
      } catch (error) {
        issue(name, ["compute", "transforms", t], error);
        valid = false;
      }
    }
    if (!valid) continue;
    resolved[name] = { compute, transforms };
    envTransforms[name] = [
      { name: DEFAULT_TRANSFORM, compute },
      ...sortedTransforms.map((t) => ({ name: t, compute: transforms[t] ?? compute })),
    ];
  }

  for (const error of checkEnvironmentParity(envTransforms, registry)) {
    issue(undefined, error.transform === DEFAULT_TRANSFORM ? ["compute", "plugin"] : ["compute", "transforms", error.transform], error);
  }
  return { ok: issues.length === 0, issues, stacks: resolved };
}
