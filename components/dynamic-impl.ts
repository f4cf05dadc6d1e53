/**
 * Dynamic providers that forward to implementation modules. A dynamic provider is closure-serialized into the
 * state, so the serialized part stays tiny: each method imports its implementation at run time, resolved from
 * the project directory (the dynamic-provider host runs with the project as its working directory). Changed
 * provider code therefore reaches existing resources without a replace.
 */
import type * as pulumi from "@pulumi/pulumi";

/** What an implementation module exports; `diff`, `update`, `read` and `remove` are optional. */
export interface DynamicImpl<I, O> {
  create(inputs: I): Promise<{ id: string; outs: O }>;
  diff?(olds: O, news: I): pulumi.dynamic.DiffResult | Promise<pulumi.dynamic.DiffResult>;
  update?(olds: O, news: I): Promise<{ outs: O }>;
  read?(id: string, props: O): pulumi.dynamic.ReadResult | Promise<pulumi.dynamic.ReadResult>;
  remove?(props: O): Promise<void>;
}

/** Returns a function that imports `<project>/<relativePath>` (cached by Node per provider process). */
export function implLoader<T>(relativePath: string): () => Promise<T> {
  return async () => {
    const { pathToFileURL } = await import("node:url");
    const { join } = await import("node:path");
    return (await import(pathToFileURL(join(process.cwd(), relativePath)).href)) as T;
  };
}

/** A dynamic provider whose every method is the same-named export of the module at `relativePath`. */
export function forwardingProvider<I, O>(relativePath: string): pulumi.dynamic.ResourceProvider {
  const load = implLoader<DynamicImpl<I, O>>(relativePath);
  return {
    async create(inputs) {
      return (await load()).create(inputs as I);
    },
    async diff(_id, olds, news) {
      const impl = await load();
      return impl.diff ? impl.diff(olds as O, news as I) : {};
    },
    async update(_id, olds, news) {
      const impl = await load();
      if (!impl.update) throw new Error(`${relativePath} does not support in-place updates`);
      return impl.update(olds as O, news as I);
    },
    async read(id, props) {
      const impl = await load();
      return impl.read ? impl.read(id, props as O) : { id, props };
    },
    async delete(_id, props) {
      await (await load()).remove?.(props as O);
    },
  };
}
