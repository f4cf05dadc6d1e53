/**
 * Dominance (reference §4.7) and the overloaded-configuration index used to skip dominated configurations.
 * Unlike upstream (defect 6), the index is built from verdicts, so it can be rebuilt from the memory store at the
 * start of every run. Pure.
 */
import { functionSetKey, type Configuration } from "../model.ts";

/**
 * `base` dominates `candidate` when both have the same sorted function names, every candidate rate is >= the
 * base rate and at least one is strictly greater.
 */
export function dominates(base: Configuration, candidate: Configuration): boolean {
  if (base.pairs.length !== candidate.pairs.length) return false;
  let strict = false;
  for (let i = 0; i < base.pairs.length; i++) {
    const b = base.pairs[i]!;
    const c = candidate.pairs[i]!;
    if (b.name !== c.name) return false;
    if (c.rate < b.rate) return false;
    if (c.rate > b.rate) strict = true;
  }
  return strict;
}

/** A configuration counts as overloaded when overloaded in a strict majority of its iterations. */
export function isConfigOverloaded(overloadCount: number, iterations: number): boolean {
  return overloadCount > iterations / 2;
}

/**
 * The configuration's verdict once `judged` of its `iterations` are judged, `overloads` of them overloaded, when
 * no outcome of the iterations left can change it (the strict majority is reached, or can no longer be); otherwise
 * `undefined`. With 3 iterations, two that agree decide. Equal by construction to {@link isConfigOverloaded} over
 * all iterations whatever the rest would give, which is what lets a campaign stop a configuration early.
 */
export function settledConfigVerdict(overloads: number, judged: number, iterations: number): boolean | undefined {
  if (isConfigOverloaded(overloads, iterations)) return true;
  if (!isConfigOverloaded(overloads + (iterations - judged), iterations)) return false;
  return undefined;
}

/** One stored verdict about a configuration (e.g. from the memory store). */
export interface OverloadVerdict {
  readonly config: Configuration;
  /** Iterations in which the node was overloaded. */
  readonly overloadCount: number;
  /** Iterations executed. */
  readonly iterations: number;
}

/**
 * Overloaded configurations grouped by function set. Only the Pareto-minimal rate vectors are kept, so lookups
 * stay small: a vector dominated by (or equal to) a kept one adds nothing.
 */
export class DominanceIndex {
  readonly #bySet = new Map<string, Configuration[]>();

  /** Builds an index from verdicts; only strict-majority overloads are added. */
  static fromVerdicts(verdicts: Iterable<OverloadVerdict>): DominanceIndex {
    const index = new DominanceIndex();
    for (const v of verdicts) if (isConfigOverloaded(v.overloadCount, v.iterations)) index.add(v.config);
    return index;
  }

  /** Adds an overloaded configuration. Returns false when an equal or dominating entry already covers it. */
  add(config: Configuration): boolean {
    const key = functionSetKey(config);
    const list = this.#bySet.get(key) ?? [];
    if (list.some((e) => e.id === config.id || dominates(e, config))) return false;
    const kept = list.filter((e) => !dominates(config, e));
    kept.push(config);
    this.#bySet.set(key, kept);
    return true;
  }

  /** The first overloaded entry that dominates `config`, if any (for the skip record). */
  findDominator(config: Configuration): Configuration | undefined {
    return this.#bySet.get(functionSetKey(config))?.find((e) => dominates(e, config));
  }

  /** Whether some overloaded configuration dominates `config`. */
  isDominated(config: Configuration): boolean {
    return this.findDominator(config) !== undefined;
  }

  /** Number of kept (Pareto-minimal) overloaded configurations. */
  get size(): number {
    let n = 0;
    for (const l of this.#bySet.values()) n += l.length;
    return n;
  }

  /** The kept entries, grouped by function set key. */
  entries(): ReadonlyMap<string, readonly Configuration[]> {
    return this.#bySet;
  }
}
