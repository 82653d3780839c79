/**
 * JSON Web Tokens for the HTTP API: issue and verify with HS256 (a shared secret of at least 32
 * bytes) or EdDSA (Ed25519). Built on `jose` (see README for why). Verification pins the algorithm
 * to the key's own: a token's header can never choose it, so `alg: none` and HS/asymmetric
 * confusion (an HS256 token "signed" with a public key) are rejected. `exp` and `sub` are required;
 * `exp` and `nbf` are checked with a bounded clock skew.
 */
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { SignJWT, errors as joseErrors, jwtVerify } from "jose";
import { InvalidParameterValueError } from "@omnikv/base";
import { TokenRejectedError } from "./errors.ts";

export type JwtSigningKey = { readonly alg: "HS256"; readonly secret: Uint8Array } | { readonly alg: "EdDSA"; readonly privateKey: KeyObject };
export type JwtVerifyingKey = { readonly alg: "HS256"; readonly secret: Uint8Array } | { readonly alg: "EdDSA"; readonly publicKey: KeyObject };

/** RFC 7518 §3.2: an HS256 key must be at least as long as the hash output. */
export const hs256SecretBytesMin = 32;
/** The largest clock skew a verifier may allow, in seconds. */
export const clockSkewSecondsMax = 300;
const clockSkewSecondsDefault = 30;

export interface IssueTokenOptions {
  /** `sub`: who the token is for. */
  readonly subject: string;
  /** The SQL role the bearer acts as (a private `role` claim). */
  readonly role: string;
  readonly ttlSeconds: number;
  readonly notBeforeSeconds?: number;
  readonly issuer?: string;
  readonly audience?: string;
  /** For tests: the issuing time in milliseconds since the epoch. */
  readonly nowMs?: number;
}

export interface VerifyTokenOptions {
  readonly clockSkewSeconds?: number;
  readonly issuer?: string;
  readonly audience?: string;
  readonly nowMs?: number;
}

export interface VerifiedToken {
  readonly subject: string;
  readonly role: string;
  readonly expiresAt: Date;
}

export function generateEd25519KeyPair(): { readonly privateKey: KeyObject; readonly publicKey: KeyObject } {
  return generateKeyPairSync("ed25519");
}

export async function issueToken(key: JwtSigningKey, options: IssueTokenOptions): Promise<string> {
  if (!(Number.isFinite(options.ttlSeconds) && options.ttlSeconds > 0)) throw new InvalidParameterValueError("a token's time to live must be positive");
  const now = Math.floor((options.nowMs ?? Date.now()) / 1000);
  let builder = new SignJWT({ role: options.role })
    .setProtectedHeader({ alg: key.alg, typ: "JWT" })
    .setSubject(options.subject)
    .setIssuedAt(now)
    .setExpirationTime(now + Math.ceil(options.ttlSeconds));
  if (options.notBeforeSeconds !== undefined) builder = builder.setNotBefore(now + options.notBeforeSeconds);
  if (options.issuer !== undefined) builder = builder.setIssuer(options.issuer);
  if (options.audience !== undefined) builder = builder.setAudience(options.audience);
  return builder.sign(key.alg === "HS256" ? checkedSecret(key.secret) : key.privateKey);
}

export async function verifyToken(key: JwtVerifyingKey, token: string, options: VerifyTokenOptions = {}): Promise<VerifiedToken> {
  const skew = options.clockSkewSeconds ?? clockSkewSecondsDefault;
  if (!(skew >= 0 && skew <= clockSkewSecondsMax)) throw new InvalidParameterValueError(`clock skew must be between 0 and ${clockSkewSecondsMax} seconds`);
  try {
    const { payload } = await jwtVerify(token, key.alg === "HS256" ? checkedSecret(key.secret) : key.publicKey, {
      algorithms: [key.alg],
      clockTolerance: skew,
      requiredClaims: ["exp", "sub"],
      ...(options.nowMs === undefined ? {} : { currentDate: new Date(options.nowMs) }),
      ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
      ...(options.audience === undefined ? {} : { audience: options.audience }),
    });
    const { sub, role, exp } = payload;
    if (typeof sub !== "string" || typeof role !== "string" || typeof exp !== "number") throw new TokenRejectedError("token lacks a string `sub` and `role`");
    return { subject: sub, role, expiresAt: new Date(exp * 1000) };
  } catch (error) {
    if (error instanceof TokenRejectedError) throw error;
    throw new TokenRejectedError(`token rejected: ${reason(error)}`, { cause: error });
  }
}

function checkedSecret(secret: Uint8Array): Uint8Array {
  if (secret.length < hs256SecretBytesMin) throw new InvalidParameterValueError(`an HS256 secret needs at least ${hs256SecretBytesMin} bytes`);
  return secret;
}

function reason(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return "expired";
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `claim ${error.claim} invalid (${error.reason})`;
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return "algorithm not allowed";
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return "signature does not verify";
  if (error instanceof joseErrors.JOSEError) return error.code;
  return error instanceof Error ? error.message : String(error);
}
