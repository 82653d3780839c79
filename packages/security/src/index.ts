/**
 * @omnikv/security — encryption at rest (AES-256-GCM ciphers for the hooks wal, lsm and the
 * executor declare; data keys wrapped under an Argon2id- or key-file-derived key), SCRAM-SHA-256
 * verifiers, JWTs and hashed API keys. Depends on base only. See README.md.
 */
export { DecryptionFailedError, KeystoreFormatError, TokenRejectedError, WrongEncryptionKeyError } from "./errors.ts";
export { Keyring, dataKeyBytes } from "./keyring.ts";
export type { DataKey } from "./keyring.ts";
export { Sealer, sealOverheadBytes } from "./sealer.ts";
export { createStoreCiphers } from "./store-ciphers.ts";
export type { LogCipher, PositionedCipher, StoreCiphers } from "./store-ciphers.ts";
export { argon2Defaults, createKeystore, generateKeyFileContents, openKeystore, readKeyFile, rekeyKeystore } from "./keystore.ts";
export type { Argon2Parameters, CreateKeystoreOptions, KeySource, RekeyOptions } from "./keystore.ts";
export {
  computeScramProof,
  createScramVerifier,
  formatScramVerifier,
  isScramVerifier,
  parseScramVerifier,
  scramIterationsDefault,
  scramPasswordMatches,
  verifyScramProof,
} from "./scram.ts";
export type { ScramVerifier, ScramVerifierOptions } from "./scram.ts";
export { constantTimeEqual } from "./constant-time.ts";
export { clockSkewSecondsMax, generateEd25519KeyPair, hs256SecretBytesMin, issueToken, verifyToken } from "./jwt.ts";
export type { IssueTokenOptions, JwtSigningKey, JwtVerifyingKey, VerifiedToken, VerifyTokenOptions } from "./jwt.ts";
export { apiKeyId, apiKeyMatches, createApiKey } from "./api-keys.ts";
export type { ApiKeyRecord } from "./api-keys.ts";
