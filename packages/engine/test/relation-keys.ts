/** What the store holds under relation ids, for tests of dropping, reclaiming and building indexes. */
import type { MvccStore } from "@omnikv/txn";
import type { Database } from "../src/index.ts";
import { firstObjectId, relationEnd, relationPrefix } from "../src/storage/keys.ts";

export function countKeys(store: Pick<MvccStore, "scan">, id: number): number {
  return [...store.scan({ gte: relationPrefix(id), lt: relationEnd(id) })].length;
}

/** Relation ids from the first object id up that hold keys but no table or index of the catalog names. */
export function orphanIds(db: Database): number[] {
  const named = new Set<number>();
  for (const object of db.catalog.objects.values()) {
    if (object.kind !== "table") continue;
    named.add(object.id);
    for (const index of object.indexes) named.add(index.id);
  }
  const orphans = new Set<number>();
  for (const [key] of db.store.scan({ gte: relationPrefix(firstObjectId) })) {
    const id = new DataView(key.buffer, key.byteOffset, 4).getUint32(0);
    if (!named.has(id)) orphans.add(id);
  }
  return [...orphans];
}
