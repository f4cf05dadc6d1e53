/**
 * Dependency ordering (Kahn's algorithm, dependencies first) with missing-dependency and cycle reports.
 * Pure: works on ids, so the registry can key nodes by (type, name).
 */
import { AmbiguousDependencyError, CircularDependencyError, MissingDependencyError } from "./errors.ts";
import { isPluginType, pluginLabel, type PluginType } from "./plugin-type.ts";

/** A node: its id and the ids it depends on. */
export interface DependencyNode {
  readonly id: string;
  readonly dependencies: readonly string[];
}

/**
 * Orders `nodes` so every node comes after its dependencies; ties are broken by id, so the order is stable.
 * Throws {@link MissingDependencyError} (checked first, naming every missing id of the first offending node)
 * or {@link CircularDependencyError} (`a -> b -> a`).
 */
export function resolveDependencies(nodes: readonly DependencyNode[]): string[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const ids = [...byId.keys()].sort();
  for (const id of ids) {
    const missing = [...new Set(byId.get(id)!.dependencies)].filter((d) => !byId.has(d));
    if (missing.length > 0) throw new MissingDependencyError(id, missing);
  }

  const inDegree = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const id of ids) {
    const deps = new Set(byId.get(id)!.dependencies);
    inDegree.set(id, deps.size);
    for (const d of deps) dependents.set(d, [...(dependents.get(d) ?? []), id]);
  }
  const queue = ids.filter((id) => inDegree.get(id) === 0);
  const order: string[] = [];
  while (queue.length > 0) {
    const id = queue.shift()!;
    order.push(id);
    for (const dependent of (dependents.get(id) ?? []).sort()) {
      const left = inDegree.get(dependent)! - 1;
      inDegree.set(dependent, left);
      if (left === 0) queue.push(dependent);
    }
  }
  if (order.length < ids.length) {
    const done = new Set(order);
    throw new CircularDependencyError(findCycle(ids.filter((id) => !done.has(id)), byId));
  }
  return order;
}

/** A cycle among `remaining` (each of which is on or behind one), as `[a, b, a]`. */
function findCycle(remaining: readonly string[], byId: ReadonlyMap<string, DependencyNode>): string[] {
  const inRemaining = new Set(remaining);
  const start = remaining[0]!;
  // Kahn left these nodes because each still has an unprocessed dependency, which is itself in `remaining`;
  // so following the first such dependency from any node must eventually revisit a node.
  const path: string[] = [];
  const position = new Map<string, number>();
  let current = start;
  while (!position.has(current)) {
    position.set(current, path.length);
    path.push(current);
    current = [...byId.get(current)!.dependencies].sort().find((d) => inRemaining.has(d))!;
  }
  const cycle = path.slice(position.get(current)!);
  return [...cycle, current];
}

/** A plugin as the activation planner sees it. */
export interface PluginNode {
  readonly type: PluginType;
  readonly name: string;
  /** Dependency references: `name`, or `type:name` when the name exists under several types. */
  readonly dependencies: readonly string[];
}

/** One step of an activation plan: the plugin and the plugins it directly depends on. */
export interface PlannedActivation<N extends PluginNode> {
  readonly node: N;
  readonly dependsOn: readonly N[];
}

/**
 * The plugins to activate for `selected`, dependencies first: the selection plus everything it depends on
 * (transitively, looked up in `known`), keyed by (type, name) so equal names of different types never collide.
 * Throws {@link MissingDependencyError}, {@link AmbiguousDependencyError} or {@link CircularDependencyError}
 * (the cycle printed with plain names, or `TYPE:name` where a name is ambiguous).
 */
export function planActivation<N extends PluginNode>(selected: readonly N[], known: readonly N[]): PlannedActivation<N>[] {
  const keyOf = (n: PluginNode): string => `${n.type}:${n.name}`;
  const knownByKey = new Map(known.map((n) => [keyOf(n), n]));
  for (const n of selected) knownByKey.set(keyOf(n), n);
  const all = [...knownByKey.values()];

  const closure = new Map<string, N>();
  const edges = new Map<string, N[]>();
  const pending = [...selected];
  while (pending.length > 0) {
    const node = pending.pop()!;
    const key = keyOf(node);
    if (closure.has(key)) continue;
    closure.set(key, node);
    const missing: string[] = [];
    const deps: N[] = [];
    for (const ref of node.dependencies) {
      const matches = matchDependency(ref, all);
      if (matches.length === 0) missing.push(ref);
      else if (matches.length > 1) {
        throw new AmbiguousDependencyError(node.name, ref, matches.map((m) => pluginLabel(m.type, m.name)).sort());
      } else {
        deps.push(matches[0]!);
        pending.push(matches[0]!);
      }
    }
    if (missing.length > 0) throw new MissingDependencyError(node.name, missing);
    edges.set(key, deps);
  }

  let order: string[];
  try {
    order = resolveDependencies([...edges].map(([id, deps]) => ({ id, dependencies: deps.map(keyOf) })));
  } catch (e) {
    if (!(e instanceof CircularDependencyError)) throw e;
    const nameCount = new Map<string, number>();
    for (const n of closure.values()) nameCount.set(n.name, (nameCount.get(n.name) ?? 0) + 1);
    throw new CircularDependencyError(
      e.cycle.map((id) => {
        const n = closure.get(id)!;
        return nameCount.get(n.name) === 1 ? n.name : pluginLabel(n.type, n.name);
      }),
    );
  }
  return order.map((k) => ({ node: closure.get(k)!, dependsOn: edges.get(k)! }));
}

/** The plugins among `all` a dependency reference (`name` or `type:name`) points at. */
export function matchDependency<N extends Pick<PluginNode, "type" | "name">>(ref: string, all: readonly N[]): N[] {
  const colon = ref.indexOf(":");
  const prefix = ref.slice(0, colon);
  if (colon > 0 && isPluginType(prefix)) {
    const name = ref.slice(colon + 1);
    return all.filter((n) => n.type === prefix && n.name === name);
  }
  return all.filter((n) => n.name === ref);
}
