/**
 * SCRAM-SHA-256 (RFC 5802, RFC 7677), server side, against a verifier stored the way PostgreSQL
 * stores it in pg_authid.rolpassword:
 *
 *   SCRAM-SHA-256$<iterations>:<base64 salt>$<base64 StoredKey>:<base64 ServerKey>
 *
 * Exchange:  client-first  "n,,n=<user>,r=<client nonce>"
 *            server-first  "r=<client nonce><server nonce>,s=<salt>,i=<iterations>"
 *            client-final  "c=biws,r=<nonce>,p=<base64 ClientProof>"
 *            server-final  "v=<base64 ServerSignature>"
 *
 * The proof check: ClientKey = ClientProof XOR HMAC(StoredKey, AuthMessage), then
 * SHA-256(ClientKey) must equal StoredKey, compared with `timingSafeEqual`. The user name inside the
 * SCRAM message is ignored, as PostgreSQL does: the startup packet's user is the one that logs in.
 * Channel binding (SCRAM-SHA-256-PLUS) is not offered. Passwords are not SASLprep-normalized: their
 * UTF-8 bytes are used as-is (the same for ASCII passwords).
 */
import { assert, FeatureNotSupportedError } from "@omnikv/base";
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from "node:crypto";
import { InvalidPasswordError, MalformedMessageError } from "../errors.ts";

export const scramMechanism = "SCRAM-SHA-256";
/** PostgreSQL's default scram_iterations. */
export const scramIterationsDefault = 4096;
const keySizeBytes = 32;

export interface ScramVerifier {
  readonly iterations: number;
  readonly salt: Uint8Array;
  readonly storedKey: Uint8Array;
  readonly serverKey: Uint8Array;
}

/** Parses a stored verifier, or returns undefined when `secret` is not one. */
export function parseScramVerifier(secret: string): ScramVerifier | undefined {
  const match = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/.exec(secret);
  if (match === null) return undefined;
  const [, iterationsText = "", salt = "", storedKey = "", serverKey = ""] = match;
  const verifier = {
    iterations: Number(iterationsText),
    salt: Buffer.from(salt, "base64"),
    storedKey: Buffer.from(storedKey, "base64"),
    serverKey: Buffer.from(serverKey, "base64"),
  };
  if (verifier.iterations < 1 || verifier.storedKey.length !== keySizeBytes || verifier.serverKey.length !== keySizeBytes) return undefined;
  return verifier;
}

/** The verifier PostgreSQL would store for `password` (random 16-byte salt unless given). */
export function createScramVerifier(password: string, options: { readonly salt?: Uint8Array; readonly iterations?: number } = {}): string {
  const salt = options.salt ?? randomBytes(16);
  const iterations = options.iterations ?? scramIterationsDefault;
  assert(Number.isInteger(iterations) && iterations >= 1, "SCRAM iterations are a positive integer");
  const keys = deriveKeys(password, salt, iterations);
  const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64");
  return `SCRAM-SHA-256$${iterations}:${b64(salt)}$${b64(keys.storedKey)}:${b64(keys.serverKey)}`;
}

function deriveKeys(password: string, salt: Uint8Array, iterations: number): { storedKey: Buffer; serverKey: Buffer } {
  const saltedPassword = pbkdf2Sync(Buffer.from(password, "utf8"), salt, iterations, keySizeBytes, "sha256");
  const clientKey = hmac(saltedPassword, "Client Key");
  return { storedKey: createHash("sha256").update(clientKey).digest(), serverKey: hmac(saltedPassword, "Server Key") };
}

/** Whether a cleartext password matches a verifier (the `password` method against a SCRAM secret). */
export function scramVerifierMatches(verifier: ScramVerifier, password: string): boolean {
  const keys = deriveKeys(password, verifier.salt, verifier.iterations);
  return timingSafeEqual(keys.storedKey, verifier.storedKey) && timingSafeEqual(keys.serverKey, verifier.serverKey);
}

function hmac(key: Uint8Array, text: string | Uint8Array): Buffer {
  return createHmac("sha256", key).update(text).digest();
}

/**
 * One SCRAM exchange. Without a verifier (unknown user) it runs a mock exchange with a random
 * one, so the client cannot tell a missing user from a wrong password; it then always fails.
 */
export class ScramExchange {
  readonly #verifier: ScramVerifier;
  readonly #isMock: boolean;
  readonly #serverNonce: string;
  #clientFirstBare = "";
  #serverFirst = "";
  #gs2Header = "";

  constructor(verifier: ScramVerifier | undefined, options: { readonly serverNonce?: string } = {}) {
    this.#isMock = verifier === undefined;
    this.#verifier = verifier ?? {
      iterations: scramIterationsDefault,
      salt: randomBytes(16),
      storedKey: randomBytes(keySizeBytes),
      serverKey: randomBytes(keySizeBytes),
    };
    this.#serverNonce = options.serverNonce ?? randomBytes(18).toString("base64");
    assert(this.#serverNonce.length > 0 && !this.#serverNonce.includes(","), "a server nonce is printable and has no comma");
  }

  /** client-first-message → server-first-message. */
  clientFirst(message: string): string {
    const match = /^([nyp])(=[^,]*)?,(a=[^,]*)?,(n=[^,]*,r=([\x21-\x2b\x2d-\x7e]+)(,.*)?)$/.exec(message);
    if (match === null) throw new MalformedMessageError("malformed SCRAM message", { detail: "invalid client-first-message" });
    const [, flag = "", , , bare = "", clientNonce = ""] = match;
    if (flag === "p") throw new FeatureNotSupportedError("channel binding is not supported", { hint: "use SCRAM-SHA-256 without -PLUS" });
    this.#gs2Header = message.slice(0, message.length - bare.length);
    this.#clientFirstBare = bare;
    const salt = Buffer.from(this.#verifier.salt).toString("base64");
    this.#serverFirst = `r=${clientNonce}${this.#serverNonce},s=${salt},i=${this.#verifier.iterations}`;
    return this.#serverFirst;
  }

  /** client-final-message → server-final-message; throws 28P01 when the proof is wrong. */
  clientFinal(message: string, user: string): string {
    assert(this.#serverFirst !== "", "clientFinal follows clientFirst");
    const match = /^c=([A-Za-z0-9+/=]*),r=([^,]*)(?:,.*)?,p=([A-Za-z0-9+/=]+)$/.exec(message);
    if (match === null) throw new MalformedMessageError("malformed SCRAM message", { detail: "invalid client-final-message" });
    const [, channelBinding = "", nonce = "", proofText = ""] = match;
    const expectedNonce = this.#serverFirst.slice(2, this.#serverFirst.indexOf(","));
    if (Buffer.from(channelBinding, "base64").toString("latin1") !== this.#gs2Header) {
      throw new MalformedMessageError("SCRAM channel binding check failed");
    }
    if (nonce !== expectedNonce) throw new MalformedMessageError("malformed SCRAM message", { detail: "nonce does not match" });
    const withoutProof = message.slice(0, message.lastIndexOf(",p="));
    const authMessage = `${this.#clientFirstBare},${this.#serverFirst},${withoutProof}`;
    const proof = Buffer.from(proofText, "base64");
    const clientSignature = hmac(this.#verifier.storedKey, authMessage);
    const isProofSized = proof.length === keySizeBytes;
    const clientKey = Buffer.alloc(keySizeBytes);
    for (let index = 0; index < keySizeBytes; index += 1) clientKey[index] = (proof[index] ?? 0) ^ (clientSignature[index] ?? 0);
    const computedStoredKey = createHash("sha256").update(clientKey).digest();
    const isMatch = timingSafeEqual(computedStoredKey, this.#verifier.storedKey);
    if (!isMatch || !isProofSized || this.#isMock) {
      throw new InvalidPasswordError(`password authentication failed for user "${user}"`);
    }
    return `v=${hmac(this.#verifier.serverKey, authMessage).toString("base64")}`;
  }
}
