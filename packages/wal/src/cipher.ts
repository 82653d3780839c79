/**
 * The encryption-at-rest hook the wal declares (the plugin point belongs to the package that calls
 * it). The wal never imports a crypto package: `@omnikv/security` implements this interface and
 * the server passes it in.
 *
 * `seal` turns a record's plaintext into what is stored; `open` reverses it and throws when the
 * stored bytes fail authentication. The LSN is passed so an implementation can derive a unique
 * nonce and bind each record to its position (a record moved elsewhere in the log fails `open`).
 * The frame CRC is computed over the sealed bytes, so plain corruption is caught before `open`.
 */
import type { Lsn } from "@omnikv/base";

export interface WalCipher {
  seal(lsn: Lsn, plaintext: Uint8Array): Uint8Array;
  open(lsn: Lsn, sealed: Uint8Array): Uint8Array;
}
