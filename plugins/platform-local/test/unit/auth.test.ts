import { describe, expect, it } from "vitest";
import { basicAuthHeader, BASIC_AUTH_USER, checkBasicAuth, passwordFromFile, WWW_AUTHENTICATE } from "../../src/auth.ts";

describe("checkBasicAuth", () => {
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  it.each([
    ["the right credentials", basicAuthHeader("admin", "s3cret"), true],
    ["scheme is case-insensitive", `basic ${b64("admin:s3cret")}`, true],
    ["a password containing colons", basicAuthHeader("admin", "a:b:c"), false],
    ["wrong password", basicAuthHeader("admin", "nope"), false],
    ["password prefix", basicAuthHeader("admin", "s3cre"), false],
    ["wrong user", basicAuthHeader("root", "s3cret"), false],
    ["no header", undefined, false],
    ["empty header", "", false],
    ["bearer token", "Bearer s3cret", false],
    ["no colon", `Basic ${b64("admins3cret")}`, false],
    ["garbage base64", "Basic !!!", false],
  ])("%s", (_name, header, expected) => {
    expect(checkBasicAuth(header, BASIC_AUTH_USER, "s3cret")).toBe(expected);
  });

  it("accepts passwords with colons when they are the configured one", () => {
    expect(checkBasicAuth(basicAuthHeader("admin", "a:b:c"), "admin", "a:b:c")).toBe(true);
  });

  it("challenges like the OpenFaaS gateway", () => {
    expect(WWW_AUTHENTICATE).toBe('Basic realm="Restricted"');
    expect(BASIC_AUTH_USER).toBe("admin");
  });
});

describe("passwordFromFile", () => {
  it.each([
    ["s3cret\n", "s3cret"],
    ["s3cret", "s3cret"],
    ["s3cret\r\nignored\n", "s3cret"],
    [" spaced \n", " spaced "],
  ])("%j → %j", (content, password) => {
    expect(passwordFromFile(content)).toBe(password);
  });
  it("refuses an empty password", () => {
    expect(() => passwordFromFile("\n")).toThrow(/empty/);
    expect(() => passwordFromFile("")).toThrow(/empty/);
  });
});
