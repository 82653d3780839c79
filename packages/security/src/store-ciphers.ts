/**
 * The ciphers a store needs, shaped as the hooks the packages that call them declare: lsm's
 * `BlockCipher` for table blocks, wal's `WalCipher` for log records and manifest records, and
 * the executor's `SpillCipher` for temporary spill files. security imports none of them (its only
 * dependency is base); the shapes match structurally and the server passes these objects in.
 *
 * Associated data = a domain tag naming the file kind + the object's position, so a block cannot
 * be moved to another table or offset, a log record to another LSN, and a manifest record cannot
 * stand in for a log record at the same LSN.
 */
import type { Lsn } from "@omnikv/base";
import type { Keyring } from "./keyring.ts";
import { Sealer } from "./sealer.ts";

/** Matches `@omnikv/lsm`'s BlockCipher. */
export interface PositionedCipher {
  seal(fileNumber: number, offset: number, plaintext: Uint8Array): Uint8Array;
  open(fileNumber: number, offset: number, sealed: Uint8Array): Uint8Array;
}

/** Matches `@omnikv/wal`'s WalCipher. */
export interface LogCipher {
  seal(lsn: Lsn, plaintext: Uint8Array): Uint8Array;
  open(lsn: Lsn, sealed: Uint8Array): Uint8Array;
}

export interface StoreCiphers {
  /** SSTable blocks (data, index, filter). */
  readonly block: PositionedCipher;
  /** Write-ahead-log records. */
  readonly wal: LogCipher;
  /** Manifest records (the lsm keeps its manifest in wal format, in a log of its own). */
  readonly manifest: LogCipher;
  /** Temporary spill files: (file id, chunk index). */
  readonly spill: PositionedCipher;
}

/** The first byte of every object's associated data: which kind of file it lives in. */
const Domain = { Block: 1, Wal: 2, Manifest: 3, Spill: 4 } as const;
type Domain = (typeof Domain)[keyof typeof Domain];

/** 1 domain byte + two 64-bit positions. */
function associatedData(domain: Domain, first: number | bigint, second: number | bigint): Uint8Array {
  const bytes = Buffer.allocUnsafe(17);
  bytes[0] = domain;
  bytes.writeBigUInt64BE(BigInt(first), 1);
  bytes.writeBigUInt64BE(BigInt(second), 9);
  return bytes;
}

function positioned(sealer: Sealer, domain: Domain): PositionedCipher {
  return {
    seal: (fileNumber, offset, plaintext) => sealer.seal(associatedData(domain, fileNumber, offset), plaintext),
    open: (fileNumber, offset, sealed) => sealer.open(associatedData(domain, fileNumber, offset), sealed),
  };
}

function logged(sealer: Sealer, domain: Domain): LogCipher {
  return {
    seal: (lsn, plaintext) => sealer.seal(associatedData(domain, lsn, 0), plaintext),
    open: (lsn, sealed) => sealer.open(associatedData(domain, lsn, 0), sealed),
  };
}

/** Every cipher of one store, sealing with the keyring's current key and opening with any of its keys. */
export function createStoreCiphers(keyring: Keyring): StoreCiphers {
  const sealer = new Sealer(keyring);
  return {
    block: positioned(sealer, Domain.Block),
    wal: logged(sealer, Domain.Wal),
    manifest: logged(sealer, Domain.Manifest),
    spill: positioned(sealer, Domain.Spill),
  };
}
