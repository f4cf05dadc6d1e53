/** Contract of `catalog` plugins: the functions a campaign can deploy and call, with their request bodies. */
import { Plugin } from "./plugin.ts";

/** One deployable function. */
export interface FunctionSpec {
  readonly name: string;
  readonly image: string;
  readonly body: string;
  readonly contentType: string;
}

/** A function catalog (e.g. the DFaaS function list). */
export abstract class CatalogPlugin<TConfig = unknown> extends Plugin<TConfig> {
  readonly type = "catalog" as const;
  /** Every function of the catalog. */
  abstract functions(): readonly FunctionSpec[];
}
