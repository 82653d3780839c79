/**
 * pg_hba-like rules: the first rule whose connection type, database, user and address match the
 * connection decides its authentication method. No match means the connection is rejected (28000),
 * as PostgreSQL does.
 */
import { assert } from "@omnikv/base";
import { BlockList, isIPv4, isIPv6 } from "node:net";
import type { AuthMethod } from "../backend.ts";

export interface HbaRule {
  /** `host` matches any TCP connection, `hostssl` only TLS, `hostnossl` only plain. Default `host`. */
  readonly type?: "host" | "hostssl" | "hostnossl";
  /** "all" or a list of database names. */
  readonly database: "all" | readonly string[];
  /** "all" or a list of user names. */
  readonly user: "all" | readonly string[];
  /** "all", or CIDR such as "127.0.0.1/32", "::1/128", "10.0.0.0/8". */
  readonly address: string;
  readonly method: AuthMethod;
}

/** What `pgwire` uses when no rules are configured: SCRAM for everyone, PostgreSQL's default method. */
export const hbaRulesDefault: readonly HbaRule[] = [{ database: "all", user: "all", address: "all", method: "scram-sha-256" }];

export interface HbaConnection {
  readonly database: string;
  readonly user: string;
  readonly address: string;
  readonly isTls: boolean;
}

export function matchHbaRule(rules: readonly HbaRule[], connection: HbaConnection): HbaRule | undefined {
  return rules.find((rule) => ruleMatches(rule, connection));
}

function ruleMatches(rule: HbaRule, connection: HbaConnection): boolean {
  if (rule.type === "hostssl" && !connection.isTls) return false;
  if (rule.type === "hostnossl" && connection.isTls) return false;
  if (rule.database !== "all" && !rule.database.includes(connection.database)) return false;
  if (rule.user !== "all" && !rule.user.includes(connection.user)) return false;
  return addressMatches(rule.address, connection.address);
}

/** Validates a rule's address at configuration time, so a typo fails the server start, not a login. */
export function checkHbaAddress(address: string): void {
  if (address === "all") return;
  const [network = "", prefixText] = address.split("/");
  assert(isIPv4(network) || isIPv6(network), `hba address "${address}" is "all" or CIDR`);
  assert(prefixText === undefined || /^\d+$/.test(prefixText), `hba address "${address}" has a numeric prefix`);
}

function addressMatches(cidr: string, address: string): boolean {
  if (cidr === "all") return true;
  const client = address.startsWith("::ffff:") && isIPv4(address.slice(7)) ? address.slice(7) : address;
  // A socket that closed before it was accepted has no address; it matches only "all".
  if (!isIPv4(client) && !isIPv6(client)) return false;
  const [network = "", prefixText] = cidr.split("/");
  const family = isIPv4(network) ? "ipv4" : "ipv6";
  const clientFamily = isIPv4(client) ? "ipv4" : "ipv6";
  if (family !== clientFamily) return false;
  const prefix = prefixText === undefined ? (family === "ipv4" ? 32 : 128) : Number(prefixText);
  const list = new BlockList();
  list.addSubnet(network, prefix, family);
  return list.check(client, clientFamily);
}
