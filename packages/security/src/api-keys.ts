/**
 * API keys for the HTTP API: `okv_<id>_<secret>`, where the id (8 random bytes, hex) finds the
 * stored record and the secret (32 random bytes, base64url) is checked against its SHA-256.
 * Only the hash is stored. A slow password hash is not needed here: the secret has 256 bits of
 * entropy, so a stolen hash cannot be brute-forced; SHA-256 keeps each request cheap.
 */
import { createHash, randomBytes } from "node:crypto";
import { constantTimeEqual } from "./constant-time.ts";

export interface ApiKeyRecord {
  readonly id: string;
  /** SHA-256 of the secret, hex. */
  readonly secretHash: string;
  /** The SQL role the key acts as. */
  readonly role: string;
}

/** A new key: `key` is shown to the user once; `record` is what is stored. */
export function createApiKey(role: string): { readonly key: string; readonly record: ApiKeyRecord } {
  const id = randomBytes(8).toString("hex");
  const secret = randomBytes(32).toString("base64url");
  return { key: `okv_${id}_${secret}`, record: { id, secretHash: hashSecret(secret), role } };
}

/** The id of a presented key, or undefined when it is not shaped like one. */
export function apiKeyId(presented: string): string | undefined {
  return /^okv_([0-9a-f]{16})_[A-Za-z0-9_-]{43}$/.exec(presented)?.[1];
}

/** Whether `presented` is the key `record` was made for (constant time in the secret). */
export function apiKeyMatches(record: ApiKeyRecord, presented: string): boolean {
  const id = apiKeyId(presented);
  const secret = presented.slice(`okv_${record.id}_`.length);
  return constantTimeEqual(hashSecret(secret), record.secretHash) && id === record.id;
}

function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}
