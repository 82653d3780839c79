/**
 * AES-256-GCM sealing of one object (a table block, a log record, a wrapped key) with associated
 * data that binds it to its place. Layout of a sealed object:
 *
 *   +--------+-----------+-----------------+--------------------+-------------+
 *   | format | key id    | nonce (96 bits) | ciphertext         | tag         |
 *   | 1 byte | u32 BE    | 12 bytes        | = plaintext length | 16 bytes    |
 *   +--------+-----------+-----------------+--------------------+-------------+
 *
 * The associated data (never stored: the reader recomputes it from where it found the object)
 * is authenticated with the ciphertext, so an object copied to another file, offset or LSN fails
 * to open, as does any flipped bit, truncation, or another key's object.
 *
 * Nonces: each Sealer starts a 96-bit counter at a random value and increments it per seal, so
 * one Sealer never repeats a nonce, and two Sealers under one key (e.g. two process lifetimes)
 * collide only if their counter ranges overlap: with P Sealers sealing S objects in total under one
 * key, the probability of any repeat is at most about P·S / 2^95. For a million restarts and
 * 2^40 sealed objects (4 PiB of 4 KiB blocks) that is 2^-35, below NIST SP 800-38D's 2^-32. Rotate
 * the data key (`omnikv rekey --rotate-data-key`) long before either figure.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { assert } from "@omnikv/base";
import { DecryptionFailedError } from "./errors.ts";
import type { Keyring } from "./keyring.ts";

const sealFormat = 1;
const nonceBytes = 12;
const tagBytes = 16;
const headerBytes = 1 + 4 + nonceBytes;

/** Bytes a sealed object adds to its plaintext. */
export const sealOverheadBytes = headerBytes + tagBytes;

export class Sealer {
  readonly #keyring: Keyring;
  readonly #nonce: Buffer = randomBytes(nonceBytes);

  constructor(keyring: Keyring) {
    this.#keyring = keyring;
  }

  get keyring(): Keyring {
    return this.#keyring;
  }

  seal(associatedData: Uint8Array, plaintext: Uint8Array): Uint8Array {
    const sealed = Buffer.allocUnsafe(headerBytes + plaintext.length + tagBytes);
    sealed[0] = sealFormat;
    sealed.writeUInt32BE(this.#keyring.currentId, 1);
    this.#nonce.copy(sealed, 5);
    this.#advanceNonce();
    const cipher = createCipheriv("aes-256-gcm", this.#keyring.current(), sealed.subarray(5, headerBytes), { authTagLength: tagBytes });
    cipher.setAAD(associatedData);
    let written = headerBytes;
    written += cipher.update(plaintext).copy(sealed, written);
    written += cipher.final().copy(sealed, written);
    assert(written === headerBytes + plaintext.length, "GCM ciphertext is as long as the plaintext");
    cipher.getAuthTag().copy(sealed, written);
    return sealed;
  }

  /** The plaintext of `sealed`; throws DecryptionFailedError unless it authenticates under `associatedData`. */
  open(associatedData: Uint8Array, sealed: Uint8Array): Uint8Array {
    if (sealed.length < sealOverheadBytes) throw new DecryptionFailedError(`sealed object is ${sealed.length} bytes, shorter than its ${sealOverheadBytes}-byte envelope`);
    const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.length);
    if (bytes[0] !== sealFormat) throw new DecryptionFailedError(`sealed object has format ${bytes[0] ?? "?"}, expected ${sealFormat}`);
    const keyId = bytes.readUInt32BE(1);
    const key = this.#keyring.get(keyId);
    if (key === undefined) throw new DecryptionFailedError(`sealed object names data key ${keyId}, which the keyring does not hold`);
    const decipher = createDecipheriv("aes-256-gcm", key, bytes.subarray(5, headerBytes), { authTagLength: tagBytes });
    decipher.setAAD(associatedData);
    decipher.setAuthTag(bytes.subarray(bytes.length - tagBytes));
    const body = decipher.update(bytes.subarray(headerBytes, bytes.length - tagBytes));
    try {
      decipher.final();
    } catch (error) {
      throw new DecryptionFailedError("sealed object failed authentication (tampered, moved, or sealed under another key)", { cause: error });
    }
    return body;
  }

  /** The id of the data key that sealed `sealed` (for tests and `verify` reports). */
  static keyIdOf(sealed: Uint8Array): number {
    assert(sealed.length >= headerBytes, "a sealed object has a header");
    return Buffer.from(sealed.buffer, sealed.byteOffset, sealed.length).readUInt32BE(1);
  }

  /** Big-endian increment of the 96-bit counter (wrapping around is harmless: 2^96 seals never happen). */
  #advanceNonce(): void {
    for (let index = nonceBytes - 1; index >= 0; index -= 1) {
      const next = ((this.#nonce[index] ?? 0) + 1) & 0xff;
      this.#nonce[index] = next;
      if (next !== 0) return;
    }
  }
}
