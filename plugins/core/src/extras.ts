/**
 * Plugin-scoped dependencies ("extras"): heavy npm packages live in a plugin's own workspace package, and a
 * runner host installs, from the lockfile, only the workspaces of the enabled plugins. Pure.
 */

/** What one enabled plugin needs installed. */
export interface ExtrasDeclaration {
  /** The plugin's workspace package, e.g. `@peva-lab/peva-faas`. */
  readonly workspace: string;
  readonly requiredExtras: readonly string[];
}

/** What setup installs for a set of enabled plugins. */
export interface ExtrasPlan {
  /** Sorted, de-duplicated union of the extras. */
  readonly extras: readonly string[];
  /** Sorted, de-duplicated workspaces that have extras. */
  readonly workspaces: readonly string[];
  /** The lock-backed install argv, or `undefined` when nothing enabled has extras. */
  readonly command: readonly string[] | undefined;
}

/** The union of the enabled plugins' extras and the one `npm ci` that installs them. */
export function resolveExtras(enabled: readonly ExtrasDeclaration[]): ExtrasPlan {
  const withExtras = enabled.filter((p) => p.requiredExtras.length > 0);
  const extras = sortedUnique(withExtras.flatMap((p) => p.requiredExtras));
  const workspaces = sortedUnique(withExtras.map((p) => p.workspace));
  return { extras, workspaces, command: workspaces.length > 0 ? installCommand(workspaces) : undefined };
}

/** `npm ci --omit=dev --workspace <ws> …`: installs exactly what the lockfile pins for those workspaces. */
export function installCommand(workspaces: readonly string[]): string[] {
  return ["npm", "ci", "--omit=dev", ...sortedUnique(workspaces).flatMap((w) => ["--workspace", w])];
}

/** Renders an argv as one shell line (quoting only what needs it). */
export function renderCommand(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`)).join(" ");
}

function sortedUnique(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}
