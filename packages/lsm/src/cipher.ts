/**
 * The encryption-at-rest hook the lsm declares for table blocks. The lsm never imports a crypto
 * package; `@omnikv/security` implements this and the server passes it in (together with a
 * `WalCipher` for the log, which `@omnikv/wal` declares).
 *
 * `seal` runs on a block after compression and before its checksum is computed; `open` runs after
 * the checksum is verified and throws when authentication fails (the reader reports that as a
 * `CorruptionError`). `fileNumber` and `offset` identify the block uniquely within a store, so an
 * implementation can derive a unique nonce and bind the block to its place: a block copied to
 * another file or offset fails `open`.
 */
export interface BlockCipher {
  seal(fileNumber: number, offset: number, plaintext: Uint8Array): Uint8Array;
  open(fileNumber: number, offset: number, sealed: Uint8Array): Uint8Array;
}
