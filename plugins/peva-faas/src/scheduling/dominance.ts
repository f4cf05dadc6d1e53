/**
 * Dominance between configurations (reference §4.7) and an index of known overloads, per function set.
 * Pure logic. Unlike upstream, the index is rebuilt from stored verdicts at startup (defect 6).
 */
import { functionSetKey, type Configuration } from "../model.ts";
// One definition of dominance for the planner and the schedulers.
import { dominates } from "../plan/dominance.ts";

/**
 * `dominates(base, candidate)`: same sorted function-name tuple, every candidate rate ≥ the base rate, and at
 * least one strictly greater. Pairs are sorted by name (a `Configuration` invariant), so positions line up.
 */
export { dominates };

/** `a ≤ b` on every rate, same function set (equality allowed). */
export function isBelowOrEqual(a: Configuration, b: Configuration): boolean {
  if (a.pairs.length !== b.pairs.length) return false;
  for (let i = 0; i < a.pairs.length; i++) {
    const x = a.pairs[i]!;
    const y = b.pairs[i]!;
    if (x.name !== y.name || x.rate > y.rate) return false;
  }
  return true;
}

/**
 * Known overloaded configurations, kept per function set as an antichain of minimal elements (an overload
 * dominated by another adds nothing), so a check scans only what can matter.
 */
export class OverloadIndex {
  private readonly minimal = new Map<string, Configuration[]>();

  /** Adds an overloaded configuration. */
  add(config: Configuration): void {
    const key = functionSetKey(config);
    const list = this.minimal.get(key) ?? [];
    if (list.some((m) => m.id === config.id || dominates(m, config))) return;
    this.minimal.set(
      key,
      [...list.filter((m) => !dominates(config, m)), config],
    );
  }

  /** The known overload that dominates `config`, if any. */
  dominator(config: Configuration): Configuration | undefined {
    const list = this.minimal.get(functionSetKey(config));
    return list?.find((m) => dominates(m, config));
  }

  /** Minimal known overloads of one function set. */
  minimalOverloads(functionSet: string): readonly Configuration[] {
    return this.minimal.get(functionSet) ?? [];
  }
}
