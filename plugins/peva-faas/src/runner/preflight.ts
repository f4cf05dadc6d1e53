/**
 * Preflight before any load: the plugin's extras import, the load generator's tool is there (its plugin's probe),
 * the gateway answers with our credentials and lists every function of the campaign, from the image the campaign
 * identity names when it names one, and Prometheus is ready. Each miss names what is missing and the command that
 * fixes it; every problem these checks find is reported at once (an unknown generator or invalid generator settings
 * fail earlier, when the generator is loaded).
 */
import { escapeText, quoteText, type GeneratorIdentity, type LoadgenPlugin } from "@peva-lab/core";
import { basicAuthorization, listFunctions, type GatewayAuth } from "./gateway.ts";

/** Inputs of {@link preflight}. */
export interface PreflightOptions {
  readonly gatewayUrl: string;
  readonly auth: GatewayAuth;
  readonly prometheusUrl: string;
  /** Basic-auth credentials of Prometheus, when it needs them. */
  readonly prometheusAuth?: GatewayAuth | undefined;
  /** The configured load generator, not yet probed. */
  readonly generator: LoadgenPlugin;
  /** Directories searched for the generator's tool (the runner's PATH). */
  readonly path: readonly string[];
  /** The campaign's functions: each must be listed by the gateway's `/system/functions`. */
  readonly functions: readonly string[];
  /**
   * The image each function must run from, by name, as the campaign identity records it (the images the lab
   * deployed); a function deployed from another image would be measured under a wrong identity.
   */
  readonly images?: Readonly<Record<string, string>>;
}

/** What {@link preflight} found: the generator's identity and the image of each campaign function the gateway names. */
export interface PreflightResult {
  readonly generator: GeneratorIdentity;
  readonly functionImages: Readonly<Record<string, string>>;
}

/** Runs every check and throws one error listing every problem. */
export async function preflight(opts: PreflightOptions): Promise<PreflightResult> {
  const problems: string[] = [];
  for (const extra of ["@duckdb/node-api", "apache-arrow"]) {
    try {
      await import(extra);
    } catch {
      problems.push(`the extra '${extra}' does not import; run: npm ci --omit=dev --workspace @peva-lab/peva-faas`);
    }
  }
  let generator: GeneratorIdentity | undefined;
  try {
    generator = await opts.generator.probe(opts.path);
  } catch (e) {
    problems.push(e instanceof Error ? e.message : String(e));
  }
  const functionImages: Record<string, string> = {};
  try {
    const deployed = await listFunctions(opts.gatewayUrl, opts.auth);
    const missing = opts.functions.filter((name) => !deployed.has(name));
    if (missing.length > 0) {
      const listed = [...deployed.keys()].sort().map(escapeText);
      problems.push(
        `function(s) ${missing.map((n) => `'${n}'`).join(", ")} not deployed on gateway ${opts.gatewayUrl} (it lists ` +
          `${listed.length > 0 ? listed.join(", ") : "none"}): deploy them or remove them from the campaign's functions`,
      );
    }
    for (const name of opts.functions) {
      const image = deployed.get(name)?.image;
      if (image !== undefined) functionImages[name] = image;
      const expected = opts.images?.[name];
      if (expected !== undefined && deployed.has(name) && image !== expected) {
        problems.push(
          `function '${name}' runs ${image === undefined ? "an image the gateway does not name" : `image ${quoteText(image)}`} on gateway ` +
            `${opts.gatewayUrl}, but the campaign identity says ${quoteText(expected)}: deploy it again with \`pulumi up\` ` +
            `(a function changed by hand would be measured under the wrong identity)`,
        );
      }
    }
  } catch (e) {
    problems.push(`gateway ${opts.gatewayUrl} is not usable: ${(e as Error).message}`);
  }
  try {
    const res = await fetch(`${opts.prometheusUrl.replace(/\/+$/, "")}/-/ready`, {
      signal: AbortSignal.timeout(5_000),
      ...(opts.prometheusAuth ? { headers: { authorization: basicAuthorization(opts.prometheusAuth) } } : {}),
    });
    if (!res.ok) problems.push(`Prometheus ${opts.prometheusUrl} is not ready (HTTP ${res.status})`);
  } catch (e) {
    problems.push(`Prometheus ${opts.prometheusUrl} is unreachable: ${(e as Error).message}`);
  }
  if (problems.length > 0 || generator === undefined) throw new Error(`preflight failed:\n  ${problems.join("\n  ")}`);
  return { generator, functionImages };
}
