/**
 * SQL that attaches an Iceberg REST catalog to DuckDB (001-FR-007). Upstream inlined `CLIENT_SECRET '…'` into the
 * ATTACH text, which then reached profiles and logs (defect 12). Here credentials go into a DuckDB
 * `CREATE SECRET` statement that is returned separately, wrapped in {@link SecretSql}, whose every string form
 * (`String()`, template literals, `JSON.stringify`, `util.inspect`) is redacted; the ATTACH statement only names the
 * secret. Identifiers, the URI scheme and the warehouse are validated before anything is rendered, and string
 * literals are escaped by doubling single quotes.
 */
import { ComputeConfigurationError, pyList, type IcebergCatalogConfig } from "@peva-lab/core";
import { IDENTIFIER_PATTERN } from "./config.ts";

/** URI schemes a catalog endpoint may use. */
export const CATALOG_URI_SCHEMES = ["http", "https"] as const;

/** Characters a warehouse name may contain (upstream HEAD's rule). */
export const WAREHOUSE_PATTERN = /^[a-zA-Z0-9_\-/:. ]+$/;

/** Credential keys a catalog may carry; they map to the options of DuckDB's `CREATE SECRET (TYPE ICEBERG, …)`. */
export const CATALOG_CREDENTIAL_KEYS = ["client_id", "client_secret", "oauth2_scope", "oauth2_server_uri", "token"] as const;

/** Credential values that are secret and never appear in a string form. */
const SENSITIVE_KEYS = new Set(["client_secret", "token"]);

/** What redacted values read as. */
export const REDACTED = "'***'";

/**
 * An SQL statement that contains a secret. Only {@link SecretSql.reveal} returns the executable text; every other
 * way of turning it into a string returns {@link SecretSql.redacted}, so logging it, putting it in an error or
 * serialising it cannot leak the secret.
 */
export class SecretSql {
  readonly #sql: string;
  /** The statement with every secret value replaced by `'***'`. */
  readonly redacted: string;

  constructor(sql: string, redacted: string) {
    this.#sql = sql;
    this.redacted = redacted;
  }

  /** The executable statement, secret included: hand it to the driver, nowhere else. */
  reveal(): string {
    return this.#sql;
  }

  /** The redacted text. */
  toString(): string {
    return this.redacted;
  }

  /** The redacted text, so `JSON.stringify` never sees the secret. */
  toJSON(): string {
    return this.redacted;
  }

  /** The redacted text for `console.log` / `util.inspect`. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `SecretSql(${this.redacted})`;
  }
}

/** `'value'` with single quotes doubled. */
export function sqlLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Name of the DuckDB secret holding a catalog's credentials: `<catalog_name>_secret`. */
export function icebergSecretName(catalogName: string): string {
  return `${catalogName}_secret`;
}

function fail(message: string): never {
  throw new ComputeConfigurationError(message, { pluginName: "duckdb", validationErrors: [message] });
}

function checkUri(uri: string, what: string): void {
  let parsed: URL;
  try {
    parsed = new URL(uri);
  } catch {
    fail(`Invalid ${what}: '${uri}'. Expected an absolute http or https URL.`);
  }
  const scheme = parsed.protocol.replace(/:$/, "");
  if (!(CATALOG_URI_SCHEMES as readonly string[]).includes(scheme)) {
    fail(`Invalid ${what} scheme: '${scheme}'. Allowed schemes: ${CATALOG_URI_SCHEMES.join(", ")}`);
  }
  // The URI itself is not echoed: with user info in it, it is the secret.
  if (parsed.username !== "" || parsed.password !== "") fail(`The ${what} must not embed credentials; pass them in credentials.`);
}

/**
 * Validates a catalog before any SQL is rendered; throws {@link ComputeConfigurationError} with the reference
 * messages. Secret values never appear in a message.
 */
export function validateIcebergCatalog(catalog: IcebergCatalogConfig): void {
  if (!IDENTIFIER_PATTERN.test(catalog.catalogName)) {
    fail(
      `Invalid catalog_name: '${catalog.catalogName}'. Must contain only alphanumeric characters and underscores, ` +
        "and must start with a letter or underscore.",
    );
  }
  if (catalog.catalogUri !== "") checkUri(catalog.catalogUri, "catalog URI");
  if (catalog.warehouse !== undefined && !WAREHOUSE_PATTERN.test(catalog.warehouse)) {
    fail(`Invalid warehouse: '${catalog.warehouse}'. Allowed characters: letters, digits, '_', '-', '/', ':', '.' and spaces.`);
  }
  const creds = catalog.credentials;
  for (const key of Object.keys(creds)) {
    if (!(CATALOG_CREDENTIAL_KEYS as readonly string[]).includes(key)) {
      fail(`Invalid catalog credential key: '${key}'. Allowed keys: ${pyList(CATALOG_CREDENTIAL_KEYS)}`);
    }
    if (creds[key] === "") fail(`Catalog credential '${key}' must not be empty`);
  }
  const hasId = creds["client_id"] !== undefined;
  const hasSecret = creds["client_secret"] !== undefined;
  if (hasId !== hasSecret) fail("Catalog credentials need both client_id and client_secret");
  if (creds["token"] !== undefined && hasId) fail("Catalog credentials take either token or client_id/client_secret, not both");
  if (creds["oauth2_server_uri"] !== undefined) checkUri(creds["oauth2_server_uri"], "OAuth2 server URI");
}

function hasCredentials(catalog: IcebergCatalogConfig): boolean {
  return catalog.credentials["client_id"] !== undefined || catalog.credentials["token"] !== undefined;
}

/**
 * `INSTALL iceberg;`, `LOAD iceberg;` and the `ATTACH` statement. The ATTACH names the catalog's DuckDB secret
 * (see {@link icebergSecretSql}) when it has credentials, and sets `AUTHORIZATION_TYPE 'none'` when it has none
 * (DuckDB otherwise expects OAuth2). The attached path is the warehouse, or the catalog name when none is set.
 */
export function icebergAttachmentSql(catalog: IcebergCatalogConfig): string[] {
  validateIcebergCatalog(catalog);
  const options = ["TYPE ICEBERG"];
  if (catalog.catalogUri !== "") options.push(`ENDPOINT ${sqlLiteral(catalog.catalogUri)}`);
  options.push(hasCredentials(catalog) ? `SECRET ${icebergSecretName(catalog.catalogName)}` : "AUTHORIZATION_TYPE 'none'");
  const target = sqlLiteral(catalog.warehouse ?? catalog.catalogName);
  return ["INSTALL iceberg;", "LOAD iceberg;", `ATTACH ${target} AS ${catalog.catalogName} (${options.join(", ")});`];
}

/**
 * The `CREATE OR REPLACE SECRET` statement holding the catalog's credentials, or nothing when it has none. It must
 * run after `LOAD iceberg;` and before the ATTACH (see {@link icebergAttachmentScript}).
 */
export function icebergSecretSql(catalog: IcebergCatalogConfig): SecretSql[] {
  validateIcebergCatalog(catalog);
  if (!hasCredentials(catalog)) return [];
  const real = ["TYPE ICEBERG"];
  const shown = ["TYPE ICEBERG"];
  for (const key of CATALOG_CREDENTIAL_KEYS) {
    const value = catalog.credentials[key];
    if (value === undefined) continue;
    real.push(`${key.toUpperCase()} ${sqlLiteral(value)}`);
    shown.push(`${key.toUpperCase()} ${SENSITIVE_KEYS.has(key) ? REDACTED : sqlLiteral(value)}`);
  }
  const head = `CREATE OR REPLACE SECRET ${icebergSecretName(catalog.catalogName)}`;
  return [new SecretSql(`${head} (${real.join(", ")});`, `${head} (${shown.join(", ")});`)];
}

/** Every statement in execution order: INSTALL, LOAD, the secret (if any), ATTACH. */
export function icebergAttachmentScript(catalog: IcebergCatalogConfig): (string | SecretSql)[] {
  const [install, load, attach] = icebergAttachmentSql(catalog);
  return [install!, load!, ...icebergSecretSql(catalog), attach!];
}
