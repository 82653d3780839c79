/**
 * pg_hba-like rule matching: first match wins; connection type, database, user and CIDR address
 * (IPv4, IPv6, IPv4-mapped IPv6) all have to match.
 */
import { describe, expect, it } from "vitest";
import type { HbaRule } from "@omnikv/pgwire";
import { checkHbaAddress, checkHbaRule, localAddress, matchHbaRule } from "../src/auth/hba.ts";

const rules: readonly HbaRule[] = [
  { type: "hostssl", database: "all", user: ["admin"], address: "all", method: "scram-sha-256" },
  { type: "hostnossl", database: "all", user: ["admin"], address: "all", method: "reject" },
  { database: ["app"], user: "all", address: "10.1.0.0/16", method: "md5" },
  { database: "all", user: "all", address: "::1/128", method: "trust" },
  { database: "all", user: "all", address: "127.0.0.1", method: "password" },
];

const method = (user: string, database: string, address: string, isTls = false): string =>
  matchHbaRule(rules, { user, database, address, isTls })?.method ?? "none";

describe("matchHbaRule", () => {
  it("picks the first rule whose type, user, database and address match", () => {
    expect(method("admin", "app", "10.1.2.3", true)).toBe("scram-sha-256");
    expect(method("admin", "app", "10.1.2.3", false)).toBe("reject");
    expect(method("bob", "app", "10.1.200.1")).toBe("md5");
    expect(method("bob", "app", "::ffff:10.1.0.9")).toBe("md5");
    expect(method("bob", "other", "10.1.0.9")).toBe("none");
    expect(method("bob", "app", "10.2.0.1")).toBe("none");
    expect(method("bob", "other", "::1")).toBe("trust");
    expect(method("bob", "other", "127.0.0.1")).toBe("password");
    expect(method("bob", "other", "127.0.0.2")).toBe("none");
    expect(method("bob", "other", "unknown")).toBe("none");
  });

  it("matches local rules to Unix-domain connections only, host rules to TCP only, untyped rules to both", () => {
    const typed: readonly HbaRule[] = [
      { type: "local", database: "all", user: ["a"], address: "all", method: "trust" },
      { type: "host", database: "all", user: ["a", "b"], address: "all", method: "md5" },
      { type: "hostnossl", database: "all", user: ["c"], address: "all", method: "password" },
      { database: "all", user: ["d"], address: "127.0.0.1/32", method: "trust" },
      { database: "all", user: "all", address: "all", method: "scram-sha-256" },
    ];
    const local = (user: string): string => matchHbaRule(typed, { user, database: "db", address: localAddress, isTls: false, isLocal: true })?.method ?? "none";
    const tcp = (user: string): string => matchHbaRule(typed, { user, database: "db", address: "127.0.0.1", isTls: false })?.method ?? "none";
    expect([local("a"), tcp("a")]).toEqual(["trust", "md5"]);
    expect([local("b"), tcp("b")]).toEqual(["scram-sha-256", "md5"]);
    expect([local("c"), tcp("c")]).toEqual(["scram-sha-256", "password"]);
    expect([local("d"), tcp("d")]).toEqual(["scram-sha-256", "trust"]);
  });

  it("rejects a local rule with an address, or an unknown type, at configuration time", () => {
    expect(() => checkHbaRule({ type: "local", database: "all", user: "all", address: "all", method: "trust" })).not.toThrow();
    expect(() => checkHbaRule({ type: "local", database: "all", user: "all", address: "::1/128", method: "trust" })).toThrow('a local hba rule has address "all"');
    // As a JSON config could spell it: a type the rules do not know.
    const unknownType: HbaRule = Object.defineProperty({ type: "host", database: "all", user: "all", address: "all", method: "trust" }, "type", { value: "hostgss" });
    expect(() => checkHbaRule(unknownType)).toThrow("is local, host, hostssl or hostnossl");
  });

  it("rejects a malformed rule address at configuration time", () => {
    expect(() => checkHbaAddress("10.0.0.0/x")).toThrow("has a numeric prefix");
    expect(() => checkHbaAddress("localhost")).toThrow("is \"all\" or CIDR");
    expect(() => checkHbaAddress("fe80::/10")).not.toThrow();
  });
});
