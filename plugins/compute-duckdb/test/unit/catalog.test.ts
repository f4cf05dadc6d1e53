import { inspect } from "node:util";
import { ComputeConfigurationError, silentLogger, type IcebergCatalogConfig } from "@peva-lab/core";
import { describe, expect, it } from "vitest";
import { DuckDbComputePlugin, SecretSql } from "../../src/index.ts";

const plugin = new DuckDbComputePlugin({ logger: silentLogger });
const SECRET = "s3cr'et-value";
const catalog: IcebergCatalogConfig = {
  catalogName: "ice",
  catalogUri: "http://polaris:8181/api/catalog",
  warehouse: "floe_warehouse",
  credentials: { client_id: "test_client", client_secret: SECRET },
};

function rejects(c: IcebergCatalogConfig): string {
  try {
    plugin.getCatalogAttachmentSql(c);
  } catch (error) {
    expect(error).toBeInstanceOf(ComputeConfigurationError);
    expect((error as Error).message).not.toContain(SECRET);
    return (error as Error).message;
  }
  throw new Error("accepted");
}

describe("getCatalogAttachmentSql: Iceberg REST (001-FR-007)", () => {
  it("INSTALL, LOAD, then an ATTACH that names the secret; one spacing style (defect 12)", () => {
    expect(plugin.getCatalogAttachmentSql(catalog)).toEqual([
      "INSTALL iceberg;",
      "LOAD iceberg;",
      "ATTACH 'floe_warehouse' AS ice (TYPE ICEBERG, ENDPOINT 'http://polaris:8181/api/catalog', SECRET ice_secret);",
    ]);
  });

  it("defect 12: no credential value appears in the attach statements", () => {
    const text = plugin.getCatalogAttachmentSql(catalog).join("\n");
    expect(text).not.toContain("s3cr");
    expect(text).not.toContain("CLIENT_SECRET");
  });

  it("defect 12: the secret statement is separate, executable via reveal(), and redacted in every string form", () => {
    const [secret, ...rest] = plugin.getCatalogSecretSql(catalog);
    expect(rest).toEqual([]);
    expect(secret).toBeInstanceOf(SecretSql);
    expect(secret!.reveal()).toBe(
      "CREATE OR REPLACE SECRET ice_secret (TYPE ICEBERG, CLIENT_ID 'test_client', CLIENT_SECRET 's3cr''et-value');",
    );
    const redacted = "CREATE OR REPLACE SECRET ice_secret (TYPE ICEBERG, CLIENT_ID 'test_client', CLIENT_SECRET '***');";
    expect(secret!.redacted).toBe(redacted);
    expect(String(secret)).toBe(redacted);
    expect(`${secret}`).toBe(redacted);
    expect(JSON.stringify({ secret })).toBe(JSON.stringify({ secret: redacted }));
    expect(inspect(secret)).toBe(`SecretSql(${redacted})`);
    expect(inspect({ nested: [secret] }, { depth: 5 })).not.toContain("s3cr");
    expect(new Error(`failed: ${secret}`).message).not.toContain("s3cr");
  });

  it("the script runs INSTALL, LOAD, the secret, then ATTACH", () => {
    const script = plugin.getCatalogAttachmentScript(catalog);
    expect(script.map(String)).toEqual([
      "INSTALL iceberg;",
      "LOAD iceberg;",
      "CREATE OR REPLACE SECRET ice_secret (TYPE ICEBERG, CLIENT_ID 'test_client', CLIENT_SECRET '***');",
      "ATTACH 'floe_warehouse' AS ice (TYPE ICEBERG, ENDPOINT 'http://polaris:8181/api/catalog', SECRET ice_secret);",
    ]);
    expect(script[2]).toBeInstanceOf(SecretSql);
  });

  it("a bearer token and an OAuth2 server go into the secret; the token is redacted", () => {
    const c = { ...catalog, credentials: { token: "tok-123", oauth2_server_uri: "https://auth.example/v1/oauth/tokens" } };
    const [secret] = plugin.getCatalogSecretSql(c);
    expect(secret!.reveal()).toBe(
      "CREATE OR REPLACE SECRET ice_secret (TYPE ICEBERG, OAUTH2_SERVER_URI 'https://auth.example/v1/oauth/tokens', TOKEN 'tok-123');",
    );
    expect(String(secret)).toBe(
      "CREATE OR REPLACE SECRET ice_secret (TYPE ICEBERG, OAUTH2_SERVER_URI 'https://auth.example/v1/oauth/tokens', TOKEN '***');",
    );
  });

  it("without credentials: no secret, AUTHORIZATION_TYPE 'none'; without URI: no ENDPOINT; without warehouse: the catalog name", () => {
    const bare: IcebergCatalogConfig = { catalogName: "ice", catalogUri: "", credentials: {} };
    expect(plugin.getCatalogSecretSql(bare)).toEqual([]);
    expect(plugin.getCatalogAttachmentSql(bare)[2]).toBe("ATTACH 'ice' AS ice (TYPE ICEBERG, AUTHORIZATION_TYPE 'none');");
  });

  it("string literals are escaped by doubling single quotes", () => {
    const c = { ...catalog, catalogUri: "https://h.example/a'b" };
    expect(plugin.getCatalogAttachmentSql(c)[2]).toContain("ENDPOINT 'https://h.example/a''b'");
  });

  it("validates catalog_name with the reference message", () => {
    for (const name of ["1ice", "ice-berg", "ice; DROP TABLE x", ""]) {
      expect(rejects({ ...catalog, catalogName: name })).toBe(
        `Invalid catalog_name: '${name}'. Must contain only alphanumeric characters and underscores, and must start with a letter or underscore.`,
      );
    }
  });

  it("validates the URI scheme with the reference message", () => {
    expect(rejects({ ...catalog, catalogUri: "ftp://polaris/api" })).toBe("Invalid catalog URI scheme: 'ftp'. Allowed schemes: http, https");
    expect(rejects({ ...catalog, catalogUri: "file:///etc/passwd" })).toBe("Invalid catalog URI scheme: 'file'. Allowed schemes: http, https");
    expect(rejects({ ...catalog, catalogUri: "not a url" })).toBe("Invalid catalog URI: 'not a url'. Expected an absolute http or https URL.");
  });

  it("refuses credentials embedded in the URI without echoing it", () => {
    const message = rejects({ ...catalog, catalogUri: `https://user:${SECRET}@polaris/api` });
    expect(message).toBe("The catalog URI must not embed credentials; pass them in credentials.");
  });

  it("validates the warehouse", () => {
    expect(rejects({ ...catalog, warehouse: "wh'; DROP" })).toBe(
      "Invalid warehouse: 'wh'; DROP'. Allowed characters: letters, digits, '_', '-', '/', ':', '.' and spaces.",
    );
    expect(plugin.getCatalogAttachmentSql({ ...catalog, warehouse: "s3://bucket/wh-1 a:b.c_d" })[2]).toContain("ATTACH 's3://bucket/wh-1 a:b.c_d' AS ice");
  });

  it("validates the credential set without printing values", () => {
    expect(rejects({ ...catalog, credentials: { password: SECRET } })).toBe(
      "Invalid catalog credential key: 'password'. Allowed keys: ['client_id', 'client_secret', 'oauth2_scope', 'oauth2_server_uri', 'token']",
    );
    expect(rejects({ ...catalog, credentials: { client_secret: SECRET } })).toBe("Catalog credentials need both client_id and client_secret");
    expect(rejects({ ...catalog, credentials: { client_id: "a" } })).toBe("Catalog credentials need both client_id and client_secret");
    expect(rejects({ ...catalog, credentials: { client_id: "a", client_secret: SECRET, token: SECRET } })).toBe(
      "Catalog credentials take either token or client_id/client_secret, not both",
    );
    expect(rejects({ ...catalog, credentials: { token: "" } })).toBe("Catalog credential 'token' must not be empty");
    expect(rejects({ ...catalog, credentials: { token: SECRET, oauth2_server_uri: "gopher://x" } })).toBe(
      "Invalid OAuth2 server URI scheme: 'gopher'. Allowed schemes: http, https",
    );
  });

  it("getCatalogSecretSql validates too", () => {
    expect(() => plugin.getCatalogSecretSql({ ...catalog, catalogName: "x-y" })).toThrow(ComputeConfigurationError);
  });
});
