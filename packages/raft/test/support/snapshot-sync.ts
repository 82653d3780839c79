/** Reads a whole in-memory snapshot synchronously (the simulators run without an event loop). */
import { assert } from "@omnikv/base";
import type { SnapshotData } from "@omnikv/raft";

export function readSnapshotSync(data: SnapshotData): Uint8Array {
  const bytes = data.read(0, data.byteLength);
  assert(bytes instanceof Uint8Array, "an in-memory snapshot reads synchronously");
  return bytes;
}
