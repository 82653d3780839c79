/** What the store holds under relation ids, for tests of dropping, reclaiming and building indexes. */
import type { MvccStore } from "@omnikv/txn";
import type { Database } from "../src/index.ts";
import { indexStorage, tableStorage } from "../src/catalog/definitions.ts";
import { firstObjectId, relationEnd, relationPrefix } from "../src/storage/keys.ts";

export function countKeys(store: Pick<MvccStore, "scan">, id: number): number {
  return [...store.scan({ gte: relationPrefix(id), lt: relationEnd(id) })].length;
}

/** Storage ids from the first object id up that hold keys but no table or index of the catalog names. */
export function orphanIds(db: Database): number[] {
  const named = new Set<number>();
  for (const object of db.catalog.objects.values()) {
    if (object.kind !== "table") continue;
    named.add(tableStorage(object));
    for (const index of object.indexes) named.add(indexStorage(index));
  }
  const orphans = new Set<number>();
  for (const [key] of db.store.scan({ gte: relationPrefix(firstObjectId) })) {
    const id = new DataView(key.buffer, key.byteOffset, 4).getUint32(0);
    if (!named.has(id)) orphans.add(id);
  }
  return [...orphans];
}

/** The storage id (key prefix) of the table or index `name` in schema public, as the committed catalog has it. */
export function storageOf(db: Database, name: string): number {
  for (const object of db.catalog.objects.values()) {
    if (object.kind !== "table" || object.schema !== "public") continue;
    if (object.name === name) return tableStorage(object);
    const index = object.indexes.find((i) => i.name === name);
    if (index !== undefined) return indexStorage(index);
  }
  throw new Error(`no table or index ${name}`);
}
