/**
 * The data-encryption keys (DEKs) of one store. Every sealed object names the id of the key that
 * sealed it, so after a DEK rotation old files stay readable while new writes (and compaction's
 * rewrites) use the current key: rotation needs no bulk re-encryption.
 */
import { createSecretKey, randomBytes, type KeyObject } from "node:crypto";
import { assert } from "@omnikv/base";
import { KeystoreFormatError } from "./errors.ts";

/** AES-256: 32-byte keys. */
export const dataKeyBytes = 32;

export interface DataKey {
  /** A positive 32-bit id, unique within a keystore; stored in every sealed object's header. */
  readonly id: number;
  readonly key: Uint8Array;
}

export class Keyring {
  readonly #keys = new Map<number, KeyObject>();
  readonly currentId: number;

  constructor(keys: readonly DataKey[], currentId: number) {
    for (const { id, key } of keys) {
      assert(Number.isInteger(id) && id >= 1 && id <= 0xffff_ffff, "a data key id is a positive 32-bit integer");
      if (key.length !== dataKeyBytes) throw new KeystoreFormatError(`data key ${id} is ${key.length} bytes; AES-256 needs ${dataKeyBytes}`);
      assert(!this.#keys.has(id), "data key ids are unique");
      this.#keys.set(id, createSecretKey(key));
    }
    if (!this.#keys.has(currentId)) throw new KeystoreFormatError(`the current data key ${currentId} is not in the keyring`);
    this.currentId = currentId;
  }

  /** A keyring of one fresh random key (tests, temporary spill files). */
  static generate(id = 1): Keyring {
    return new Keyring([{ id, key: randomBytes(dataKeyBytes) }], id);
  }

  get ids(): readonly number[] {
    return [...this.#keys.keys()];
  }

  /** The key that seals new data. */
  current(): KeyObject {
    const key = this.#keys.get(this.currentId);
    assert(key !== undefined, "the current key is in the keyring (checked at construction)");
    return key;
  }

  /** The key with `id`, or undefined when this keyring does not hold it. */
  get(id: number): KeyObject | undefined {
    return this.#keys.get(id);
  }
}
