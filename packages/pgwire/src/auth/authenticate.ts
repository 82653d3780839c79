/**
 * The authentication exchange after a StartupMessage, for the method pg_hba chose. Each method
 * ends in success (the caller sends AuthenticationOk) or a thrown error the caller sends as FATAL:
 * 28P01 `password authentication failed for user "x"` whatever was wrong — unknown user, no
 * password, a wrong password or proof — so the client learns nothing about which.
 *
 * Which secret works with which method follows PostgreSQL: `scram-sha-256` needs a SCRAM verifier
 * (or a plain-text secret, from which one is derived); `md5` uses SCRAM instead when the stored
 * secret is a SCRAM verifier; `password` checks the cleartext against any stored form.
 */
import { assert, assertNever } from "@omnikv/base";
import { randomBytes } from "node:crypto";
import type { AuthMethod } from "../backend.ts";
import { InvalidPasswordError, MalformedMessageError } from "../errors.ts";
import { PayloadReader } from "../codec/payload-reader.ts";
import { isMd5Secret, md5ResponseMatches, md5Secret, stringsEqualConstantTime } from "./md5.ts";
import { createScramVerifier, parseScramVerifier, ScramExchange, scramMechanism, scramVerifierMatches } from "./scram.ts";

/** What authentication needs from the connection: send an Authentication request, read the reply. */
export interface AuthChannel {
  /** Sends Authentication (kind 3, 5, 10, 11 or 12) and flushes. */
  sendRequest(kind: 3 | 5 | 11 | 12, data?: Uint8Array): void;
  sendSaslMechanisms(mechanisms: readonly string[]): void;
  /** The payload of the client's next 'p' message; throws 08P01 for any other message. */
  readPassword(): Promise<Uint8Array>;
}

/** `reject` never gets here: the connection answers it with 28000 before any exchange. */
export async function authenticate(method: Exclude<AuthMethod, "reject">, user: string, secret: string | undefined, channel: AuthChannel): Promise<void> {
  switch (method) {
    case "trust":
      return;
    case "scram-sha-256":
      return authenticateScram(user, secret, channel);
    case "md5":
      if (secret !== undefined && parseScramVerifier(secret) !== undefined) return authenticateScram(user, secret, channel);
      return authenticateMd5(user, secret, channel);
    case "password":
      return authenticateCleartext(user, secret, channel);
    default:
      return assertNever(method);
  }
}

function failed(user: string): InvalidPasswordError {
  return new InvalidPasswordError(`password authentication failed for user "${user}"`);
}

async function authenticateScram(user: string, secret: string | undefined, channel: AuthChannel): Promise<void> {
  let verifierText = secret;
  // A plain-text secret gets a verifier on the fly; an md5 secret cannot serve SCRAM (mock exchange).
  if (secret !== undefined && !isMd5Secret(secret) && parseScramVerifier(secret) === undefined) verifierText = createScramVerifier(secret);
  const exchange = new ScramExchange(verifierText === undefined ? undefined : parseScramVerifier(verifierText));
  channel.sendSaslMechanisms([scramMechanism]);
  const initial = new PayloadReader(await channel.readPassword(), "SASLInitialResponse");
  const mechanism = initial.cstring();
  if (mechanism !== scramMechanism) throw new MalformedMessageError("client selected an invalid SASL authentication mechanism");
  const length = initial.int32();
  if (length < 0) throw new MalformedMessageError("malformed SCRAM message", { detail: "the initial response is empty" });
  const clientFirst = decodeAscii(initial.bytes(length));
  initial.end();
  channel.sendRequest(11, Buffer.from(exchange.clientFirst(clientFirst), "utf8"));
  const clientFinal = decodeAscii(await channel.readPassword());
  const serverFinal = exchange.clientFinal(clientFinal, user);
  channel.sendRequest(12, Buffer.from(serverFinal, "utf8"));
}

async function authenticateMd5(user: string, secret: string | undefined, channel: AuthChannel): Promise<void> {
  const salt = randomBytes(4);
  channel.sendRequest(5, salt);
  const response = readCleartext(await channel.readPassword());
  const stored = secret === undefined ? undefined : isMd5Secret(secret) ? secret : md5Secret(secret, user);
  if (stored === undefined || !md5ResponseMatches(stored, salt, response)) throw failed(user);
}

async function authenticateCleartext(user: string, secret: string | undefined, channel: AuthChannel): Promise<void> {
  channel.sendRequest(3);
  const password = readCleartext(await channel.readPassword());
  if (secret === undefined) throw failed(user);
  const verifier = parseScramVerifier(secret);
  let isMatch: boolean;
  if (verifier !== undefined) isMatch = scramVerifierMatches(verifier, password);
  else if (isMd5Secret(secret)) isMatch = stringsEqualConstantTime(md5Secret(password, user), secret);
  else isMatch = stringsEqualConstantTime(password, secret);
  if (!isMatch) throw failed(user);
}

function readCleartext(payload: Uint8Array): string {
  const reader = new PayloadReader(payload, "PasswordMessage");
  const text = reader.cstring();
  reader.end();
  assert(!text.includes("\0"), "a C string holds no NUL");
  return text;
}

function decodeAscii(bytes: Uint8Array): string {
  for (const byte of bytes) {
    if (byte < 0x20 || byte > 0x7e) throw new MalformedMessageError("malformed SCRAM message", { detail: "invalid character" });
  }
  return Buffer.from(bytes).toString("latin1");
}
