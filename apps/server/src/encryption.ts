/**
 * Encryption at rest for a data directory. `<data>/keystore.json` holds the store's data keys,
 * wrapped under a key from `--encryption-key-file` or OMNIKV_ENCRYPTION_PASSPHRASE (see
 * @omnikv/security's keystore). Every file of the store — tables, wal, manifest — is sealed.
 *
 * The rules, checked before anything in the directory is written:
 *  - a key and a keystore: open it (a wrong key is an error here);
 *  - a key, no keystore, no data yet: create the keystore (a new encrypted directory);
 *  - a key and unencrypted data: refuse (encryption cannot be switched on in place);
 *  - no key and a keystore: refuse (the directory is encrypted).
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { LsmOptions } from "@omnikv/lsm";
import { createKeystore, createStoreCiphers, openKeystore, rekeyKeystore, type KeySource, type PositionedCipher } from "@omnikv/security";

export const keystoreFileName = "keystore.json";
export const passphraseVariable = "OMNIKV_ENCRYPTION_PASSPHRASE";
export const newPassphraseVariable = "OMNIKV_NEW_ENCRYPTION_PASSPHRASE";

export class EncryptionSetupError extends Error {
  override readonly name = "EncryptionSetupError";
}

/** The key source from a key-file option or the passphrase variable; undefined when neither is set. */
export function keySourceFrom(keyFile: string | undefined, env: NodeJS.ProcessEnv, variable = passphraseVariable): KeySource | undefined {
  const passphrase = env[variable];
  const hasPassphrase = passphrase !== undefined && passphrase !== "";
  if (keyFile !== undefined && hasPassphrase) throw new EncryptionSetupError(`give either a key file or ${variable}, not both`);
  if (keyFile !== undefined) return { keyFile };
  return hasPassphrase ? { passphrase } : undefined;
}

/** What an encrypted data directory's database is opened with; empty for an unencrypted one. */
export interface StoreEncryption {
  readonly storeOptions: Pick<LsmOptions, "cipher">;
  readonly spillCipher?: PositionedCipher;
}

/**
 * The ciphers that encrypt `storeDir` and spill files (none for an unencrypted directory), after
 * checking that the key source and the directory agree. Creates the keystore for a new encrypted
 * directory.
 */
export async function storeEncryption(dataDir: string, storeDir: string, source: KeySource | undefined): Promise<StoreEncryption> {
  const keystorePath = join(dataDir, keystoreFileName);
  const hasKeystore = existsSync(keystorePath);
  if (source === undefined) {
    if (hasKeystore) throw new EncryptionSetupError(`the data directory ${dataDir} is encrypted: pass --encryption-key-file FILE or set ${passphraseVariable}`);
    return { storeOptions: {} };
  }
  let keyring;
  if (hasKeystore) {
    keyring = await openKeystore(keystorePath, source);
  } else {
    if (existsSync(storeDir) && readdirSync(storeDir).length > 0) {
      throw new EncryptionSetupError(`the data directory ${dataDir} holds unencrypted data; encryption can only be enabled for a new data directory`);
    }
    keyring = await createKeystore(keystorePath, source);
  }
  const ciphers = createStoreCiphers(keyring);
  return { storeOptions: { cipher: { block: ciphers.block, wal: ciphers.wal, manifest: ciphers.manifest } }, spillCipher: ciphers.spill };
}

/** `omnikv rekey`: rewraps the data keys under a new key (and optionally rotates the data key). */
export async function rekeyDataDirectory(dataDir: string, from: KeySource, to: KeySource, rotateDataKey: boolean): Promise<number> {
  const keystorePath = join(dataDir, keystoreFileName);
  if (!existsSync(keystorePath)) throw new EncryptionSetupError(`the data directory ${dataDir} is not encrypted (no ${keystoreFileName})`);
  return rekeyKeystore(keystorePath, { from, to, rotateDataKey });
}
