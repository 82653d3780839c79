/**
 * The keystore: a store's data-encryption keys (DEKs), each wrapped (AES-256-GCM) under a
 * key-encryption key (KEK) that is never stored. The KEK comes from
 *
 *  - a passphrase, through Argon2id with a random 16-byte salt and the parameters stored beside
 *    it (defaults 64 MiB, 3 passes, 1 lane: above both of OWASP's recommended settings), or
 *  - a key file of 32 random bytes (64 hex digits), through HKDF-SHA-256 with a random salt.
 *
 * A wrong passphrase or key file fails to unwrap the first DEK (GCM authentication), which is
 * reported before the store is touched. Rekeying rewraps the DEKs under a new KEK (the data is
 * not rewritten); rotating the data key adds a new DEK that seals everything written from then on,
 * while older DEKs stay to open older files until compaction has rewritten them.
 *
 * The file is JSON, replaced atomically (write a temporary file, fsync, rename, fsync the directory).
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { hkdfSync, randomBytes } from "node:crypto";
import { argon2idAsync } from "@noble/hashes/argon2.js";
import { DecryptionFailedError, KeystoreFormatError, WrongEncryptionKeyError } from "./errors.ts";
import { Keyring, dataKeyBytes, type DataKey } from "./keyring.ts";
import { Sealer } from "./sealer.ts";

/** Where the key-encryption key comes from. */
export type KeySource = { readonly passphrase: string } | { readonly keyFile: string };

export interface Argon2Parameters {
  readonly memoryKiB: number;
  readonly iterations: number;
  readonly parallelism: number;
}

/** OWASP (2024) recommends at least 19 MiB × 2 passes or 46 MiB × 1 pass; we use 64 MiB × 3. */
export const argon2Defaults: Argon2Parameters = { memoryKiB: 64 * 1024, iterations: 3, parallelism: 1 };
/** Outside these bounds a passphrase KEK is refused: parameters come from a file an attacker may edit. */
const argon2Floor: Argon2Parameters = { memoryKiB: 8, iterations: 1, parallelism: 1 };
const argon2Ceiling: Argon2Parameters = { memoryKiB: 4 * 1024 * 1024 - 1, iterations: 64, parallelism: 16 };
const argon2MemoryBytesMax = 2 ** 32 - 1;

type KdfRecord =
  | { readonly algorithm: "argon2id"; readonly salt: string; readonly memoryKiB: number; readonly iterations: number; readonly parallelism: number }
  | { readonly algorithm: "hkdf-sha256"; readonly salt: string };

interface KeystoreFile {
  readonly format: "omnikv-keystore";
  readonly version: 1;
  readonly kdf: KdfRecord;
  readonly currentKeyId: number;
  readonly keys: readonly { readonly id: number; readonly wrapped: string }[];
}

const keyFileBytes = 32;

export interface CreateKeystoreOptions {
  /** Argon2id cost for a passphrase (tests lower it; production keeps the defaults). */
  readonly argon2?: Argon2Parameters;
}

/** Creates the keystore at `path` with one fresh DEK; fails if the file exists. */
export async function createKeystore(path: string, source: KeySource, options: CreateKeystoreOptions = {}): Promise<Keyring> {
  if (existsSync(path)) throw new KeystoreFormatError(`keystore ${path} already exists`);
  const dataKey: DataKey = { id: 1, key: randomBytes(dataKeyBytes) };
  const kdf = newKdfRecord(source, options.argon2);
  const kek = await deriveKek(source, kdf);
  writeKeystore(path, { format: "omnikv-keystore", version: 1, kdf, currentKeyId: 1, keys: [wrap(kek, dataKey)] });
  return new Keyring([dataKey], 1);
}

/** Opens the keystore at `path`: every DEK, unwrapped. A wrong key throws WrongEncryptionKeyError. */
export async function openKeystore(path: string, source: KeySource): Promise<Keyring> {
  const file = readKeystore(path);
  const kek = await deriveKek(source, file.kdf);
  return new Keyring(unwrapAll(kek, file), file.currentKeyId);
}

export interface RekeyOptions {
  readonly from: KeySource;
  readonly to: KeySource;
  /** Also add a new data key that seals everything written from now on. */
  readonly rotateDataKey?: boolean;
  readonly argon2?: Argon2Parameters;
}

/** Rewraps every DEK under a new KEK (and optionally rotates the DEK); returns the current key id. */
export async function rekeyKeystore(path: string, options: RekeyOptions): Promise<number> {
  const file = readKeystore(path);
  const keys = unwrapAll(await deriveKek(options.from, file.kdf), file);
  let currentKeyId = file.currentKeyId;
  if (options.rotateDataKey === true) {
    currentKeyId = Math.max(...keys.map((key) => key.id)) + 1;
    keys.push({ id: currentKeyId, key: randomBytes(dataKeyBytes) });
  }
  const kdf = newKdfRecord(options.to, options.argon2);
  const kek = await deriveKek(options.to, kdf);
  writeKeystore(path, { format: "omnikv-keystore", version: 1, kdf, currentKeyId, keys: keys.map((key) => wrap(kek, key)) });
  return currentKeyId;
}

/** The contents of a new key file: 32 random bytes as 64 hex digits and a newline. */
export function generateKeyFileContents(): string {
  return `${randomBytes(keyFileBytes).toString("hex")}\n`;
}

/** Reads a key file: exactly 64 hex digits (surrounding whitespace ignored). */
export function readKeyFile(path: string): Uint8Array {
  let text: string;
  try {
    text = readFileSync(path, "utf8").trim();
  } catch (error) {
    throw new KeystoreFormatError(`cannot read key file ${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (!/^[0-9a-fA-F]{64}$/.test(text)) {
    throw new KeystoreFormatError(`key file ${path} must hold 64 hex digits (32 random bytes)`, { hint: "create one with `omnikv genkey --out FILE`" });
  }
  return Buffer.from(text, "hex");
}

function newKdfRecord(source: KeySource, argon2: Argon2Parameters = argon2Defaults): KdfRecord {
  const salt = randomBytes(16).toString("base64");
  return "passphrase" in source ? { algorithm: "argon2id", salt, ...argon2 } : { algorithm: "hkdf-sha256", salt };
}

async function deriveKek(source: KeySource, kdf: KdfRecord): Promise<Keyring> {
  const salt = Buffer.from(kdf.salt, "base64");
  let kek: Uint8Array;
  if ("passphrase" in source) {
    if (kdf.algorithm !== "argon2id") throw new WrongEncryptionKeyError("this keystore is opened with a key file, not a passphrase");
    if (source.passphrase.length === 0) throw new WrongEncryptionKeyError("the encryption passphrase is empty");
    kek = await argon2idAsync(source.passphrase, salt, { m: kdf.memoryKiB, t: kdf.iterations, p: kdf.parallelism, dkLen: dataKeyBytes, maxmem: argon2MemoryBytesMax });
  } else {
    if (kdf.algorithm !== "hkdf-sha256") throw new WrongEncryptionKeyError("this keystore is opened with a passphrase, not a key file");
    kek = new Uint8Array(hkdfSync("sha256", readKeyFile(source.keyFile), salt, "omnikv keystore kek v1", dataKeyBytes));
  }
  return new Keyring([{ id: 1, key: kek }], 1);
}

function wrapAssociatedData(id: number): Uint8Array {
  return Buffer.from(`omnikv-keystore:v1:data-key:${id}`, "utf8");
}

function wrap(kek: Keyring, dataKey: DataKey): { id: number; wrapped: string } {
  const sealed = new Sealer(kek).seal(wrapAssociatedData(dataKey.id), dataKey.key);
  return { id: dataKey.id, wrapped: Buffer.from(sealed).toString("base64") };
}

function unwrapAll(kek: Keyring, file: KeystoreFile): DataKey[] {
  const sealer = new Sealer(kek);
  return file.keys.map(({ id, wrapped }) => {
    try {
      return { id, key: sealer.open(wrapAssociatedData(id), Buffer.from(wrapped, "base64")) };
    } catch (error) {
      if (!(error instanceof DecryptionFailedError)) throw error;
      throw new WrongEncryptionKeyError("the encryption key does not open this data directory's keystore (wrong passphrase or key file)", { cause: error });
    }
  });
}

function writeKeystore(path: string, file: KeystoreFile): void {
  const temporary = `${path}.tmp`;
  const fd = openSync(temporary, "w", 0o600);
  try {
    writeSync(fd, `${JSON.stringify(file, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  const directory = openSync(dirname(path), "r");
  try {
    fsyncSync(directory);
  } finally {
    closeSync(directory);
  }
}

function readKeystore(path: string): KeystoreFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new KeystoreFormatError(`keystore ${path} is not readable JSON`, { cause: error });
  }
  const file = checkKeystore(parsed);
  if (file === undefined) throw new KeystoreFormatError(`${path} is not an omnikv keystore (version 1)`);
  return file;
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function checkKeystore(value: unknown): KeystoreFile | undefined {
  if (!isRecord(value) || value["format"] !== "omnikv-keystore" || value["version"] !== 1) return undefined;
  const kdf = checkKdf(value["kdf"]);
  const currentKeyId = value["currentKeyId"];
  const keys = value["keys"];
  if (kdf === undefined || typeof currentKeyId !== "number" || !Array.isArray(keys) || keys.length === 0) return undefined;
  const checkedKeys: { id: number; wrapped: string }[] = [];
  for (const key of keys) {
    if (!isRecord(key) || typeof key["id"] !== "number" || typeof key["wrapped"] !== "string") return undefined;
    checkedKeys.push({ id: key["id"], wrapped: key["wrapped"] });
  }
  return { format: "omnikv-keystore", version: 1, kdf, currentKeyId, keys: checkedKeys };
}

function checkKdf(value: unknown): KdfRecord | undefined {
  if (!isRecord(value) || typeof value["salt"] !== "string") return undefined;
  const salt = value["salt"];
  if (value["algorithm"] === "hkdf-sha256") return { algorithm: "hkdf-sha256", salt };
  const { memoryKiB, iterations, parallelism } = value;
  if (value["algorithm"] !== "argon2id" || typeof memoryKiB !== "number" || typeof iterations !== "number" || typeof parallelism !== "number") return undefined;
  const isWithin = (key: keyof Argon2Parameters, given: number): boolean => Number.isInteger(given) && given >= argon2Floor[key] && given <= argon2Ceiling[key];
  if (!isWithin("memoryKiB", memoryKiB) || !isWithin("iterations", iterations) || !isWithin("parallelism", parallelism)) return undefined;
  return { algorithm: "argon2id", salt, memoryKiB, iterations, parallelism };
}
