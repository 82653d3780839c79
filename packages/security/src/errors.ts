/**
 * The security package's errors. Failed authentication of stored bytes is data corruption (XX001):
 * whether a bit flipped on disk or someone edited the file, the bytes are not what was written,
 * and they are never decrypted into garbage.
 */
import { DataCorruptedError, DbError, InvalidParameterValueError, SqlState } from "@omnikv/base";

/** Sealed bytes failed AES-GCM authentication (tampered, truncated, moved, or another key's). */
export class DecryptionFailedError extends DataCorruptedError {
  override readonly name: string = "DecryptionFailedError";
}

/** The passphrase or key file does not open the keystore; raised before anything is written. */
export class WrongEncryptionKeyError extends DbError {
  override readonly name: string = "WrongEncryptionKeyError";
  readonly sqlState = SqlState.InvalidPassword;
}

/** A keystore file that is not one, or a key file of the wrong shape. */
export class KeystoreFormatError extends InvalidParameterValueError {
  override readonly name: string = "KeystoreFormatError";
}

/** A JWT or API key that fails verification: bad signature, algorithm, expiry, not-before, shape. */
export class TokenRejectedError extends DbError {
  override readonly name: string = "TokenRejectedError";
  readonly sqlState = SqlState.InvalidPassword;
}
