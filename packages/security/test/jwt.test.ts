import { describe, expect, it } from "vitest";
import { createHmac, randomBytes } from "node:crypto";
import {
  TokenRejectedError,
  apiKeyId,
  apiKeyMatches,
  createApiKey,
  generateEd25519KeyPair,
  issueToken,
  verifyToken,
  type JwtSigningKey,
  type JwtVerifyingKey,
} from "../src/index.ts";

const secret = randomBytes(32);
const hs: JwtSigningKey & JwtVerifyingKey = { alg: "HS256", secret };
const pair = generateEd25519KeyPair();
const edSign: JwtSigningKey = { alg: "EdDSA", privateKey: pair.privateKey };
const edVerify: JwtVerifyingKey = { alg: "EdDSA", publicKey: pair.publicKey };
const now = Date.UTC(2026, 11, 3, 12, 0, 0);

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

describe("JWT", () => {
  it("round-trips HS256 and EdDSA tokens with subject, role and expiry", async () => {
    for (const [sign, verify] of [
      [hs, hs],
      [edSign, edVerify],
    ] as const) {
      const token = await issueToken(sign, { subject: "app", role: "reader", ttlSeconds: 3600, nowMs: now });
      const verified = await verifyToken(verify, token, { nowMs: now + 1000 });
      expect(verified).toEqual({ subject: "app", role: "reader", expiresAt: new Date(now + 3600_000) });
    }
  });

  it("rejects expired tokens beyond the clock skew, and accepts them within it", async () => {
    const token = await issueToken(hs, { subject: "app", role: "r", ttlSeconds: 60, nowMs: now });
    await expect(verifyToken(hs, token, { nowMs: now + 60_000 + 29_000 })).resolves.toMatchObject({ role: "r" });
    await expect(verifyToken(hs, token, { nowMs: now + 60_000 + 31_000 })).rejects.toThrow(/expired/);
    await expect(verifyToken(hs, token, { nowMs: now + 61_000, clockSkewSeconds: 0 })).rejects.toThrow(TokenRejectedError);
    await expect(verifyToken(hs, token, { clockSkewSeconds: 301 })).rejects.toThrow(/clock skew/);
  });

  it("rejects a token used before its not-before time", async () => {
    const token = await issueToken(hs, { subject: "app", role: "r", ttlSeconds: 600, notBeforeSeconds: 120, nowMs: now });
    await expect(verifyToken(hs, token, { nowMs: now })).rejects.toThrow(/nbf/);
    await expect(verifyToken(hs, token, { nowMs: now + 121_000 })).resolves.toMatchObject({ role: "r" });
  });

  it("rejects another key, a tampered payload, and a too-short HS256 secret", async () => {
    const token = await issueToken(hs, { subject: "app", role: "reader", ttlSeconds: 60, nowMs: now });
    await expect(verifyToken({ alg: "HS256", secret: randomBytes(32) }, token, { nowMs: now })).rejects.toThrow(/signature/);
    const [header, , signature] = token.split(".");
    const forged = `${header}.${b64url({ sub: "app", role: "admin", exp: now / 1000 + 60 })}.${signature}`;
    await expect(verifyToken(hs, forged, { nowMs: now })).rejects.toThrow(TokenRejectedError);
    const otherPair = generateEd25519KeyPair();
    const edToken = await issueToken(edSign, { subject: "app", role: "r", ttlSeconds: 60, nowMs: now });
    await expect(verifyToken({ alg: "EdDSA", publicKey: otherPair.publicKey }, edToken, { nowMs: now })).rejects.toThrow(TokenRejectedError);
    await expect(issueToken({ alg: "HS256", secret: randomBytes(16) }, { subject: "a", role: "r", ttlSeconds: 1 })).rejects.toThrow(/32 bytes/);
  });

  it('rejects alg "none"', async () => {
    const unsigned = `${b64url({ alg: "none", typ: "JWT" })}.${b64url({ sub: "app", role: "admin", exp: now / 1000 + 60 })}.`;
    await expect(verifyToken(hs, unsigned, { nowMs: now })).rejects.toThrow(TokenRejectedError);
    await expect(verifyToken(edVerify, unsigned, { nowMs: now })).rejects.toThrow(TokenRejectedError);
  });

  it("rejects HS/asymmetric confusion: an HS256 token MACed with the public key", async () => {
    const publicPem = pair.publicKey.export({ type: "spki", format: "pem" });
    const signingInput = `${b64url({ alg: "HS256", typ: "JWT" })}.${b64url({ sub: "app", role: "admin", exp: now / 1000 + 60 })}`;
    const mac = createHmac("sha256", publicPem).update(signingInput).digest("base64url");
    await expect(verifyToken(edVerify, `${signingInput}.${mac}`, { nowMs: now })).rejects.toThrow(/algorithm/);
    // And an EdDSA token offered to an HS256 verifier.
    const edToken = await issueToken(edSign, { subject: "app", role: "r", ttlSeconds: 60, nowMs: now });
    await expect(verifyToken(hs, edToken, { nowMs: now })).rejects.toThrow(/algorithm/);
  });

  it("requires sub and role", async () => {
    const signingInput = `${b64url({ alg: "HS256", typ: "JWT" })}.${b64url({ role: "admin", exp: now / 1000 + 60 })}`;
    const mac = createHmac("sha256", secret).update(signingInput).digest("base64url");
    await expect(verifyToken(hs, `${signingInput}.${mac}`, { nowMs: now })).rejects.toThrow(/sub/);
  });
});

describe("API keys", () => {
  it("store only a hash and match only the issued key", () => {
    const { key, record } = createApiKey("reader");
    expect(record.role).toBe("reader");
    // The secret is what follows the id (base64url: it may itself hold "_", even start with it).
    const secretPart = key.slice(`okv_${record.id}_`.length);
    expect(secretPart).toHaveLength(43);
    expect(JSON.stringify(record)).not.toContain(secretPart);
    expect(apiKeyId(key)).toBe(record.id);
    expect(apiKeyMatches(record, key)).toBe(true);
    expect(apiKeyMatches(record, `${key.slice(0, -1)}${key.endsWith("A") ? "B" : "A"}`)).toBe(false);
    expect(apiKeyMatches(record, createApiKey("reader").key)).toBe(false);
    expect(apiKeyId("okv_short")).toBeUndefined();
  });
});
