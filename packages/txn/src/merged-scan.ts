/**
 * A transaction's view of a range: the store's entries at the snapshot merged with the
 * transaction's own buffered writes, which win on equal keys (a buffered deletion hides the
 * stored entry). Streams: one stored entry is pulled at a time.
 */
import { Buffer } from "node:buffer";
import type { BufferedWrite } from "./write-set.ts";

export function* mergeWithWrites(
  stored: Iterable<[Uint8Array, Uint8Array]>,
  own: readonly BufferedWrite[],
  isReverse: boolean,
  limit: number,
): Generator<[Uint8Array, Uint8Array], undefined, undefined> {
  if (limit <= 0) return undefined;
  const direction = isReverse ? -1 : 1;
  let produced = 0;
  let ownIndex = 0;
  for (const entry of stored) {
    for (let write = own[ownIndex]; write !== undefined; write = own[ownIndex]) {
      const order = Buffer.compare(write.key, entry[0]) * direction;
      if (order > 0) break;
      ownIndex += 1;
      if (order === 0) break;
      if (write.value === undefined) continue;
      yield [write.key, write.value];
      if (++produced >= limit) return undefined;
    }
    const previous = own[ownIndex - 1];
    const isShadowed = previous !== undefined && Buffer.compare(previous.key, entry[0]) === 0;
    if (isShadowed) {
      if (previous.value === undefined) continue;
      yield [previous.key, previous.value];
    } else {
      yield entry;
    }
    if (++produced >= limit) return undefined;
  }
  for (; ownIndex < own.length; ownIndex++) {
    const write = own[ownIndex];
    if (write === undefined || write.value === undefined) continue;
    yield [write.key, write.value];
    if (++produced >= limit) return undefined;
  }
  return undefined;
}
