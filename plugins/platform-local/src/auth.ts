/** HTTP basic auth as the OpenFaaS gateway does it for `/system/*`: one user (`admin`), one password. Pure. */
import { createHash, timingSafeEqual } from "node:crypto";

/** The user name OpenFaaS uses for the gateway's basic auth. */
export const BASIC_AUTH_USER = "admin";

/** Header value sent with a 401, as the OpenFaaS gateway sends it. */
export const WWW_AUTHENTICATE = 'Basic realm="Restricted"';

/**
 * True when an `Authorization` header carries exactly `user:password`. Comparison is constant-time over digests,
 * so neither the length nor a common prefix of the password leaks through timing.
 */
export function checkBasicAuth(header: string | undefined, user: string, password: string): boolean {
  if (header === undefined) return false;
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match?.[1]) return false;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return false;
  const digest = (s: string) => createHash("sha256").update(s).digest();
  // Evaluate both comparisons so timing does not reveal which part was wrong.
  const userOk = timingSafeEqual(digest(decoded.slice(0, colon)), digest(user));
  const passwordOk = timingSafeEqual(digest(decoded.slice(colon + 1)), digest(password));
  return userOk && passwordOk;
}

/** The `Authorization` header value for `user:password` (for clients and tests). */
export function basicAuthHeader(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, "utf8").toString("base64")}`;
}

/**
 * The password in a password file's text: the first line, without the trailing newline (`echo secret > file`
 * and Kubernetes secret files both work). An empty password is refused: it would make the auth meaningless.
 */
export function passwordFromFile(content: string): string {
  const password = content.split(/\r?\n/, 1)[0] ?? "";
  if (password === "") throw new Error("the password file is empty");
  return password;
}
