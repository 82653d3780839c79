/**
 * PostgreSQL's md5 password method. The stored secret is "md5" + hex(md5(password + user)); the
 * client answers a 4-byte random salt with "md5" + hex(md5(hex(md5(password + user)) + salt)).
 * The comparison is constant-time over equal-length buffers.
 */
import { createHash, timingSafeEqual } from "node:crypto";

export function md5Secret(password: string, user: string): string {
  return `md5${createHash("md5").update(password + user, "utf8").digest("hex")}`;
}

export function isMd5Secret(secret: string): boolean {
  return /^md5[0-9a-f]{32}$/.test(secret);
}

/** Whether the client's md5 response matches the stored md5 secret for this salt. */
export function md5ResponseMatches(storedSecret: string, salt: Uint8Array, response: string): boolean {
  const expected = `md5${createHash("md5").update(storedSecret.slice(3), "utf8").update(salt).digest("hex")}`;
  const expectedBytes = Buffer.from(expected, "utf8");
  const responseBytes = Buffer.from(response, "utf8");
  if (expectedBytes.length !== responseBytes.length) return false;
  return timingSafeEqual(expectedBytes, responseBytes);
}

/** Constant-time equality of two strings' UTF-8 bytes (length differences are not hidden). */
export function stringsEqualConstantTime(left: string, right: string): boolean {
  const leftBytes = Buffer.from(left, "utf8");
  const rightBytes = Buffer.from(right, "utf8");
  return leftBytes.length === rightBytes.length && timingSafeEqual(leftBytes, rightBytes);
}
