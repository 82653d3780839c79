/**
 * The key layout. Every key starts with a 4-byte big-endian relation id, so each table, index and
 * system keyspace is one contiguous range of the store:
 *
 *   [u32 1][u32 object id]              catalog object (JSON of its definition)
 *   [u32 2][utf8 schema 0x00 name]      name claim of a relation (its id); concurrent creators conflict here
 *   [u32 3]["next-object-id"]           high-water mark of object ids (never reused)
 *   [u32 3]["reclaim"][u32 id]          a dropped table's or index's keys still to delete (storage/range-reclaimer.ts)
 *   [u32 4][u32 sequence id]            sequence state (not transactional)
 *   [u32 5][u32 table id]               the table's statistics (written by ANALYZE, not transactional)
 *   [u32 6][u32 table id]               never stored: the key a table's lock takes (`Transaction.lockObject`)
 *   [u32 table id][encoded primary key] a row; with no primary key: [u32 table id][u64 row id]
 *   [u32 index id][encoded columns]     a unique index entry without NULLs; value = the row's key suffix
 *   [u32 index id][encoded columns][row key suffix]   any other index entry; value = the row key suffix
 *
 * Column values are encoded order-preservingly (encoding/key-codec.ts), so a range of the store
 * is a range of the index.
 */
import { assert } from "@omnikv/base";

export const catalogKeyspace = 1;
export const namesKeyspace = 2;
export const metaKeyspace = 3;
export const sequencesKeyspace = 4;
export const statisticsKeyspace = 5;
export const relationLocksKeyspace = 6;
/** Object ids start here, as PostgreSQL's user OIDs do. */
export const firstObjectId = 16384;

export function relationPrefix(id: number): Uint8Array {
  const key = new Uint8Array(4);
  new DataView(key.buffer).setUint32(0, id);
  return key;
}

export function withPrefix(id: number, suffix: Uint8Array): Uint8Array {
  // Bytes set one by one: a DataView per key cost more than the rest of this (every row write
  // and index lookup makes a key).
  const key = new Uint8Array(4 + suffix.length);
  key[0] = id >>> 24;
  key[1] = (id >>> 16) & 0xff;
  key[2] = (id >>> 8) & 0xff;
  key[3] = id & 0xff;
  key.set(suffix, 4);
  return key;
}

/** The 8-byte key [u32 keyspace][u32 id] of an object in one of the system keyspaces. */
function keyspaceKey(keyspace: number, id: number): Uint8Array {
  const key = new Uint8Array(8);
  const view = new DataView(key.buffer);
  view.setUint32(0, keyspace);
  view.setUint32(4, id);
  return key;
}

export function catalogKey(id: number): Uint8Array {
  return keyspaceKey(catalogKeyspace, id);
}

export function nameKey(schema: string, name: string): Uint8Array {
  return withPrefix(namesKeyspace, new TextEncoder().encode(`${schema}\u0000${name}`));
}

export const nextObjectIdKey: Uint8Array = withPrefix(metaKeyspace, new TextEncoder().encode("next-object-id"));

const reclaimTag = new TextEncoder().encode("reclaim");
/** The first key of the reclaim markers and the key after the last (see `reclaimMarkerKey`). */
export const reclaimMarkersStart: Uint8Array = withPrefix(metaKeyspace, reclaimTag);
export const reclaimMarkersEnd: Uint8Array = withPrefix(metaKeyspace, new Uint8Array([...reclaimTag, 0xff, 0xff, 0xff, 0xff, 0xff]));

/** The marker of relation `id`'s keys waiting to be deleted: written by the transaction that drops it. */
export function reclaimMarkerKey(id: number): Uint8Array {
  const key = new Uint8Array(reclaimMarkersStart.length + 4);
  key.set(reclaimMarkersStart);
  new DataView(key.buffer).setUint32(reclaimMarkersStart.length, id);
  return key;
}

/** The relation id a reclaim marker names; undefined for a key that is not one. */
export function reclaimMarkerId(key: Uint8Array): number | undefined {
  if (key.length !== reclaimMarkersStart.length + 4) return undefined;
  for (let i = 0; i < reclaimMarkersStart.length; i += 1) if (key[i] !== reclaimMarkersStart[i]) return undefined;
  return new DataView(key.buffer, key.byteOffset + reclaimMarkersStart.length, 4).getUint32(0);
}

/** The lock key of table `id`: writers take it shared, DDL exclusive (no store key is in this keyspace). */
export function relationLockKey(id: number): Uint8Array {
  return keyspaceKey(relationLocksKeyspace, id);
}

export function sequenceKey(id: number): Uint8Array {
  return keyspaceKey(sequencesKeyspace, id);
}

/** The key suffix of a row of a table without a primary key. */
export function rowIdSuffix(rowId: bigint): Uint8Array {
  // As numbers, in two halves: cheaper than a DataView's setBigUint64 per row. Row ids are below
  // 2^56 (`rowIdLimit`), so the high half is below 2^24 and the first byte 0.
  assert(rowId >= 0n && rowId < rowIdLimit, "a row id is below 2^56");
  const high = Number(rowId >> 32n);
  const low = Number(rowId & 0xffff_ffffn);
  const suffix = new Uint8Array(8);
  suffix[1] = high >>> 16;
  suffix[2] = (high >>> 8) & 0xff;
  suffix[3] = high & 0xff;
  suffix[4] = low >>> 24;
  suffix[5] = (low >>> 16) & 0xff;
  suffix[6] = (low >>> 8) & 0xff;
  suffix[7] = low & 0xff;
  return suffix;
}

/** Row ids are below this: a row-id key's first byte after the table prefix is 0x00 (see `allocateRowId`). */
export const rowIdLimit = 2n ** 56n;
/** The suffix every row-id key sorts below: the smallest key suffix that starts 0x01. */
export const rowIdRangeEnd: Uint8Array = new Uint8Array([0x01]);

/** The row id of a row-id key; 0 for a key of another form (a table that had a primary key until just now). */
export function readRowId(key: Uint8Array): bigint {
  if (key.length !== 12 || key[4] !== 0) return 0n;
  const high = (key[5] ?? 0) * 0x1_0000 + (key[6] ?? 0) * 0x100 + (key[7] ?? 0);
  const low = (key[8] ?? 0) * 0x100_0000 + (key[9] ?? 0) * 0x1_0000 + (key[10] ?? 0) * 0x100 + (key[11] ?? 0);
  return high === 0 ? BigInt(low) : (BigInt(high) << 32n) | BigInt(low);
}

/** The smallest key after every key that starts with the 4-byte prefix of relation `id`. */
export function relationEnd(id: number): Uint8Array {
  return relationPrefix(id + 1);
}

/** The key range `[gte, lt)` of every key under the 4-byte prefix `storage` (a table's rows, an index's entries). */
export function storageRange(storage: number): { readonly gte: Uint8Array; readonly lt: Uint8Array } {
  return { gte: relationPrefix(storage), lt: relationEnd(storage) };
}
