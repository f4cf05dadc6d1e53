/**
 * Compute governance (floe `compute_registry.py` + `compiler.py`, ADR-0010): an approved list with a default,
 * per-transform selection, environment parity and restricted child lists, with upstream's exact messages (lists
 * render like Python, `['duckdb', 'spark']`). Upstream never wired these checks to a manifest (defect 15);
 * {@link validateComputeSelection} is the pure function a stack-config loader calls on the `compute` sections of
 * its stacks, so a violation fails before anything is provisioned (001-FR-013, SC-005).
 */
import type { ComputePlugin } from "../contracts/compute.ts";
import type { PluginRegistry } from "../registry.ts";
import { ComputeConfigurationError, EnvironmentParityError, pyList } from "./errors.ts";

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
 * The part of a stack config's `compute` section governance reads: the stack may narrow the approved list further,
 * choose its default (the compute of every transform that names none), and pin single transforms. Other keys
 * (`threads`, `memoryLimit`) are the engine's settings and are ignored here.
 */
export interface StackComputeSection {
  readonly approved?: readonly string[] | undefined;
  readonly default?: string | undefined;
  readonly transforms?: Readonly<Record<string, string | null | undefined>> | undefined;
  readonly [key: string]: unknown;
}

/** One level of the policy hierarchy (enterprise, then domain): what it approves and its default. */
export interface ComputePolicyLevel {
  /** The level's name as messages locate it, e.g. `enterprise` or a policy file's path. */
  readonly scope: string;
  readonly approved: readonly string[];
  /** Absent: the enclosing level's default when this level approves it, else its first entry. */
  readonly default?: string | undefined;
}

/** The lab's compute policy: the levels above the stacks, outermost first, each allowed only to narrow. */
export interface ComputePolicy {
  readonly levels: readonly ComputePolicyLevel[];
  /** Loadable compute plugins ({@link availableComputePlugins}); absent skips the availability check. */
  readonly available?: readonly string[] | undefined;
  /** Transforms every stack runs; parity covers them even where no stack names them. */
  readonly transforms?: readonly string[] | undefined;
}

/** The policy when no policy file exists: DuckDB only. */
export const DEFAULT_COMPUTE_POLICY: ComputePolicy = Object.freeze({
  levels: Object.freeze([Object.freeze({ scope: "default policy", approved: Object.freeze(["duckdb"]), default: "duckdb" })]),
});

/**
 * Pseudo-transform used by the parity check for a stack's own default: it stands for every transform that does not
 * name a compute, so two stacks choosing different defaults violate parity even when no transform is listed
 * (REQ-024 forbids choosing the compute per environment).
 */
export const DEFAULT_TRANSFORM = "*";

/** One governance violation, located in a stack config or in a policy level. */
export interface ComputeSelectionIssue {
  /** The stack whose config is wrong; `undefined` for a policy level or a cross-stack (parity) violation. */
  readonly stack: string | undefined;
  /** The policy level at fault (its `scope`), when the violation is in the policy. */
  readonly scope?: string | undefined;
  /** Where: in a stack config (`["compute", "default"]`) or in the policy level (`["approved"]`). */
  readonly path: readonly string[];
  readonly message: string;
  readonly error: ComputeConfigurationError;
}

/** What each stack resolved to. */
export interface ResolvedStackCompute {
  /** The stack's approved list after every narrowing. */
  readonly approved: readonly string[];
  /** The stack's default compute. */
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

const fieldOf = (error: unknown): string => (error instanceof ComputeConfigurationError && error.pluginName === "compute.default" ? "default" : "approved");

/**
 * Validates the `compute` sections of one or more stacks against the policy hierarchy, without throwing: each level
 * (empty list, unapproved default, plugins not found, not a subset of the level above), each stack's own narrowing,
 * default and pinned transforms, and parity across stacks (every transform, {@link DEFAULT_TRANSFORM} included,
 * must resolve to one compute in every stack).
 */
export function validateComputeSelection(
  stacks: Readonly<Record<string, StackComputeSection | undefined>>,
  policy: ComputePolicy = DEFAULT_COMPUTE_POLICY,
): ComputeSelectionResult {
  const issues: ComputeSelectionIssue[] = [];
  const issue = (at: { stack?: string; scope?: string }, path: readonly string[], error: unknown): void => {
    if (!(error instanceof ComputeConfigurationError)) throw error;
    issues.push({ stack: at.stack, scope: at.scope, path, message: error.message, error });
  };

  let registry: ComputeRegistry | undefined;
  for (const level of policy.levels) {
    try {
      registry =
        registry === undefined
          ? new ComputeRegistry(level.approved, level.default ?? level.approved[0] ?? "", { available: policy.available })
          : registry.createRestricted(level.approved, level.default);
    } catch (error) {
      issue({ scope: level.scope }, [fieldOf(error)], error);
      return { ok: false, issues, stacks: {} };
    }
  }
  if (registry === undefined) {
    issue({ scope: "policy" }, ["approved"], new ComputeConfigurationError("Approved compute list cannot be empty", { pluginName: "compute.approved" }));
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
    let own: ComputeRegistry;
    try {
      if (section.approved !== undefined) own = registry.createRestricted(section.approved, section.default);
      else {
        // Choosing an unapproved default is a selection, reported as one.
        own = registry.createRestricted(registry.approved, registry.validateSelection(section.default));
      }
    } catch (error) {
      issue({ stack: name }, ["compute", section.approved !== undefined ? fieldOf(error) : "default"], error);
      continue;
    }
    const transforms: Record<string, string> = {};
    let valid = true;
    for (const t of sortedTransforms) {
      try {
        transforms[t] = own.validateSelection(section.transforms?.[t]);
      } catch (error) {
        issue({ stack: name }, ["compute", "transforms", t], error);
        valid = false;
      }
    }
    if (!valid) continue;
    resolved[name] = { approved: own.approved, compute: own.default, transforms };
    envTransforms[name] = [{ name: DEFAULT_TRANSFORM, compute: own.default }, ...sortedTransforms.map((t) => ({ name: t, compute: transforms[t]! }))];
  }

  for (const error of checkEnvironmentParity(envTransforms, registry)) {
    issue({}, error.transform === DEFAULT_TRANSFORM ? ["compute", "default"] : ["compute", "transforms", error.transform], error);
  }
  return { ok: issues.length === 0, issues, stacks: resolved };
}
