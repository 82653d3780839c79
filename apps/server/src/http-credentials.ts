/**
 * The HTTP API's credentials, kept in the data directory with owner-only permissions:
 *
 *  - `http-token-secret`: 32 random bytes (hex), the HS256 key that signs and verifies JWTs;
 *    created on first use. Anyone holding it can mint tokens for any role, like the superuser's
 *    password; `omnikv token` reads it.
 *  - `api-keys.json`: API keys, each stored as its id, the SHA-256 of its secret and its role
 *    (never the key itself); `omnikv apikey` adds one and prints the key once.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, statSync, writeFileSync, writeSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { createApiKey, issueToken, type ApiKeyRecord } from "@omnikv/security";

const tokenSecretFileName = "http-token-secret";
const apiKeysFileName = "api-keys.json";

/** The token secret, created (0600) if the data directory has none yet. */
export function tokenSecret(dataDir: string): Uint8Array {
  const path = join(dataDir, tokenSecretFileName);
  if (!existsSync(path)) writeFileSync(path, `${randomBytes(32).toString("hex")}\n`, { mode: 0o600, flag: "wx" });
  const text = readFileSync(path, "utf8").trim();
  if (!/^[0-9a-f]{64}$/.test(text)) throw new Error(`${path} must hold 64 hex digits`);
  return Buffer.from(text, "hex");
}

/** `omnikv token`: a JWT for `role`, valid for `ttlSeconds`. */
export function mintToken(dataDir: string, role: string, ttlSeconds: number, subject = role): Promise<string> {
  return issueToken({ alg: "HS256", secret: tokenSecret(dataDir) }, { subject, role, ttlSeconds });
}

/** "90", "90s", "15m", "1h", "7d" → seconds. */
export function parseTtl(text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (match === null) throw new Error(`a time to live is a number with s, m, h or d (got "${text}")`);
  const unit = { "": 1, s: 1, m: 60, h: 3600, d: 86_400 }[match[2] ?? ""] ?? 1;
  const seconds = Number(match[1]) * unit;
  if (seconds <= 0) throw new Error("a time to live must be positive");
  return seconds;
}

/** Reads `api-keys.json` again only when it changed. */
export class ApiKeyStore {
  readonly #path: string;
  #cache: { readonly mtimeMs: number; readonly records: readonly ApiKeyRecord[] } | undefined;

  constructor(dataDir: string) {
    this.#path = join(dataDir, apiKeysFileName);
  }

  records(): readonly ApiKeyRecord[] {
    if (!existsSync(this.#path)) return [];
    const { mtimeMs } = statSync(this.#path);
    if (this.#cache?.mtimeMs !== mtimeMs) this.#cache = { mtimeMs, records: parseApiKeys(readFileSync(this.#path, "utf8")) };
    return this.#cache.records;
  }

  /** Adds a key for `role`; returns the key, which is not stored and cannot be shown again. */
  add(role: string): string {
    const { key, record } = createApiKey(role);
    const records = [...this.records(), record];
    const temporary = `${this.#path}.tmp`;
    const fd = openSync(temporary, "w", 0o600);
    try {
      writeSync(fd, `${JSON.stringify({ keys: records }, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, this.#path);
    return key;
  }
}

function parseApiKeys(text: string): readonly ApiKeyRecord[] {
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== "object" || parsed === null || !("keys" in parsed) || !Array.isArray(parsed.keys)) return [];
  const records: ApiKeyRecord[] = [];
  for (const entry of parsed.keys as unknown[]) {
    if (typeof entry !== "object" || entry === null) continue;
    if ("id" in entry && "secretHash" in entry && "role" in entry && typeof entry.id === "string" && typeof entry.secretHash === "string" && typeof entry.role === "string") {
      records.push({ id: entry.id, secretHash: entry.secretHash, role: entry.role });
    }
  }
  return records;
}
