/**
 * Loading of dynamic-provider implementations. A dynamic provider is closure-serialized into the state, so the
 * serialized part stays tiny: each method imports its implementation module at run time, resolved from the
 * project directory (the dynamic-provider host runs with the project as its working directory). Changed provider
 * code therefore reaches existing resources without a replace.
 */

/** Returns a function that imports `<project>/<relativePath>` once per provider process. */
export function implLoader<T>(relativePath: string): () => Promise<T> {
  return async () => {
    const { pathToFileURL } = await import("node:url");
    const { join } = await import("node:path");
    return (await import(pathToFileURL(join(process.cwd(), relativePath)).href)) as T;
  };
}
