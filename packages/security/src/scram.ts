/**
 * SCRAM-SHA-256 verifiers (RFC 5802, RFC 7677) as PostgreSQL stores them in pg_authid.rolpassword:
 *
 *   SCRAM-SHA-256$<iterations>:<base64 salt>$<base64 StoredKey>:<base64 ServerKey>
 *
 *   SaltedPassword = PBKDF2-HMAC-SHA-256(password, salt, iterations)
 *   StoredKey      = SHA-256(HMAC(SaltedPassword, "Client Key"))
 *   ServerKey      = HMAC(SaltedPassword, "Server Key")
 *
 * A verifier lets a server check a client's proof without knowing the password, and a stolen
 * verifier does not let an attacker log in (it lacks ClientKey). This module generates verifiers
 * for the catalog and checks proofs and cleartext passwords against them, in constant time. (The
 * wire exchange itself lives in @omnikv/pgwire, which may not import this package.)
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";
import { assert } from "@omnikv/base";
import { constantTimeEqual } from "./constant-time.ts";

/** PostgreSQL's default scram_iterations. */
export const scramIterationsDefault = 4096;
const keyBytes = 32;

export interface ScramVerifier {
  readonly iterations: number;
  readonly salt: Uint8Array;
  readonly storedKey: Uint8Array;
  readonly serverKey: Uint8Array;
}

export interface ScramVerifierOptions {
  /** Default: 16 random bytes. */
  readonly salt?: Uint8Array;
  readonly iterations?: number;
}

/** The verifier text PostgreSQL would store for `password`. */
export function createScramVerifier(password: string, options: ScramVerifierOptions = {}): string {
  const salt = options.salt ?? randomBytes(16);
  const iterations = options.iterations ?? scramIterationsDefault;
  assert(Number.isInteger(iterations) && iterations >= 1, "SCRAM iterations are a positive integer");
  const keys = deriveKeys(password, salt, iterations);
  return formatScramVerifier({ iterations, salt, ...keys });
}

export function formatScramVerifier(verifier: ScramVerifier): string {
  const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64");
  return `SCRAM-SHA-256$${verifier.iterations}:${b64(verifier.salt)}$${b64(verifier.storedKey)}:${b64(verifier.serverKey)}`;
}

/** Parses stored verifier text, or returns undefined when `secret` is not one. */
export function parseScramVerifier(secret: string): ScramVerifier | undefined {
  const match = /^SCRAM-SHA-256\$(\d{1,9}):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/.exec(secret);
  if (match === null) return undefined;
  const [, iterationsText = "", salt = "", storedKey = "", serverKey = ""] = match;
  const verifier = {
    iterations: Number(iterationsText),
    salt: Buffer.from(salt, "base64"),
    storedKey: Buffer.from(storedKey, "base64"),
    serverKey: Buffer.from(serverKey, "base64"),
  };
  if (verifier.iterations < 1 || verifier.storedKey.length !== keyBytes || verifier.serverKey.length !== keyBytes) return undefined;
  return verifier;
}

/** Whether `text` is already a verifier (PostgreSQL stores such a PASSWORD literal as given). */
export function isScramVerifier(text: string): boolean {
  return parseScramVerifier(text) !== undefined;
}

/** Whether a cleartext password matches a verifier (for password-method logins). */
export function scramPasswordMatches(verifier: ScramVerifier, password: string): boolean {
  const keys = deriveKeys(password, verifier.salt, verifier.iterations);
  // Both comparisons always run, so the time does not say which key differed.
  const isStoredKeyEqual = constantTimeEqual(keys.storedKey, verifier.storedKey);
  const isServerKeyEqual = constantTimeEqual(keys.serverKey, verifier.serverKey);
  return isStoredKeyEqual && isServerKeyEqual;
}

/**
 * Checks a client-final ClientProof over `authMessage` (client-first-bare,server-first,
 * client-final-without-proof). Returns the ServerSignature to send back, or undefined when the
 * proof is wrong: ClientKey = proof XOR HMAC(StoredKey, AuthMessage); SHA-256(ClientKey) must be StoredKey.
 */
export function verifyScramProof(verifier: ScramVerifier, authMessage: string, proof: Uint8Array): Uint8Array | undefined {
  const clientSignature = hmac(verifier.storedKey, authMessage);
  const clientKey = Buffer.alloc(keyBytes);
  for (let index = 0; index < keyBytes; index += 1) clientKey[index] = (proof[index] ?? 0) ^ (clientSignature[index] ?? 0);
  const isMatch = constantTimeEqual(createHash("sha256").update(clientKey).digest(), verifier.storedKey);
  if (!isMatch || proof.length !== keyBytes) return undefined;
  return hmac(verifier.serverKey, authMessage);
}

/** A client's proof for `password` (what a SCRAM client sends; used by tests and tools). */
export function computeScramProof(password: string, salt: Uint8Array, iterations: number, authMessage: string): Uint8Array {
  const saltedPassword = pbkdf2Sync(Buffer.from(password, "utf8"), salt, iterations, keyBytes, "sha256");
  const clientKey = hmac(saltedPassword, "Client Key");
  const storedKey = createHash("sha256").update(clientKey).digest();
  const signature = hmac(storedKey, authMessage);
  return clientKey.map((byte, index) => byte ^ (signature[index] ?? 0));
}

function deriveKeys(password: string, salt: Uint8Array, iterations: number): { storedKey: Buffer; serverKey: Buffer } {
  // Passwords are not SASLprep-normalized: their UTF-8 bytes are used as-is (as pgwire does).
  const saltedPassword = pbkdf2Sync(Buffer.from(password, "utf8"), salt, iterations, keyBytes, "sha256");
  const clientKey = hmac(saltedPassword, "Client Key");
  return { storedKey: createHash("sha256").update(clientKey).digest(), serverKey: hmac(saltedPassword, "Server Key") };
}

function hmac(key: Uint8Array, text: string | Uint8Array): Buffer {
  return createHmac("sha256", key).update(text).digest();
}
