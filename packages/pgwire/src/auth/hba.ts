/**
 * pg_hba-like rules: the first rule whose connection type, database, user and address match the
 * connection decides its authentication method. No match means the connection is rejected (28000),
 * as PostgreSQL does.
 *
 * Connection types, as in PostgreSQL's pg_hba.conf: `local` matches Unix-domain socket connections
 * only, `host` TCP connections with or without TLS, `hostssl` and `hostnossl` TCP with and without.
 * A rule with no type matches every connection (TCP and Unix-domain alike), so rules written
 * before Unix-domain sockets existed keep admitting whom they admitted; its address, unless "all",
 * matches TCP connections only, since a Unix-domain connection has no address.
 */
import { assert } from "@omnikv/base";
import { BlockList, isIPv4, isIPv6 } from "node:net";
import type { AuthMethod } from "../backend.ts";

export interface HbaRule {
  /**
   * `local`: Unix-domain socket connections only (its address must be "all"); `host`: any TCP
   * connection; `hostssl`: TLS only; `hostnossl`: plain TCP only. No type: every connection.
   */
  readonly type?: "local" | "host" | "hostssl" | "hostnossl";
  /** "all" or a list of database names. */
  readonly database: "all" | readonly string[];
  /** "all" or a list of user names. */
  readonly user: "all" | readonly string[];
  /** "all", or CIDR such as "127.0.0.1/32", "::1/128", "10.0.0.0/8" (TCP connections only). */
  readonly address: string;
  readonly method: AuthMethod;
}

/** What `pgwire` uses when no rules are configured: SCRAM for everyone, PostgreSQL's default method. */
export const hbaRulesDefault: readonly HbaRule[] = [{ database: "all", user: "all", address: "all", method: "scram-sha-256" }];

export interface HbaConnection {
  readonly database: string;
  readonly user: string;
  /** The client's IP address; for a Unix-domain connection, `localAddress` ("[local]"). */
  readonly address: string;
  readonly isTls: boolean;
  /** Whether the connection came through a Unix-domain socket. */
  readonly isLocal?: boolean;
}

/** What a Unix-domain connection's address reads as, in errors and logs (PostgreSQL's wording). */
export const localAddress = "[local]";

export function matchHbaRule(rules: readonly HbaRule[], connection: HbaConnection): HbaRule | undefined {
  return rules.find((rule) => ruleMatches(rule, connection));
}

function ruleMatches(rule: HbaRule, connection: HbaConnection): boolean {
  const isLocal = connection.isLocal === true;
  if (rule.type === "local" ? !isLocal : rule.type !== undefined && isLocal) return false;
  if (rule.type === "hostssl" && !connection.isTls) return false;
  if (rule.type === "hostnossl" && connection.isTls) return false;
  if (rule.database !== "all" && !rule.database.includes(connection.database)) return false;
  if (rule.user !== "all" && !rule.user.includes(connection.user)) return false;
  return addressMatches(rule.address, connection.address);
}

/** Validates a rule at configuration time, so a typo fails the server start, not a login. */
export function checkHbaRule(rule: HbaRule): void {
  assert(rule.type === undefined || ["local", "host", "hostssl", "hostnossl"].includes(rule.type), `hba type "${String(rule.type)}" is local, host, hostssl or hostnossl`);
  assert(rule.type !== "local" || rule.address === "all", `a local hba rule has address "all" (a Unix-domain connection has no address), not "${rule.address}"`);
  checkHbaAddress(rule.address);
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
  // A Unix-domain connection ("[local]") is not an IP address: it fails the check below.
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
