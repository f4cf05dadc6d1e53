/**
 * The request bodies DFaaS sends its benchmark functions (its `FUNCTION_BODIES`), for the functions whose body is
 * short enough to carry as a default. A function of this list that a campaign names without a `body` is sent this
 * one: an empty body would make nmap, curl or markdown answer errors, and shasum hash nothing, so the campaign would
 * measure the wrong work. Pure data.
 */

/** DFaaS's body of each function that has one (functions not listed, e.g. `env` or `eat-memory`, take none). */
const DFAAS_BODIES: Readonly<Record<string, string>> = {
  figlet: "Hello DFaas!",
  shasum: "abcde",
  nmap: "127.0.0.1",
  curl: "http://www.google.com",
  "qrcode-go": "http://www.google.com",
  certinfo: "https://google.com",
  markdown: "# Title\n**Hello** world!",
};

/** The body a function named `name` is sent when its spec has none: DFaaS's, or empty. */
export function defaultBody(name: string): string {
  return Object.hasOwn(DFAAS_BODIES, name) ? DFAAS_BODIES[name]! : "";
}
