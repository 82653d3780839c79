/**
 * The memtable: the newest writes, sorted by internal key (see `internal-key.ts`), until the store
 * turns it immutable and flushes it to a table. Point lookups, scans and flushes read it; only the
 * store's apply step writes it, on the same thread, between reads.
 *
 * Structure: a skiplist (Pugh; branching factor 4 and 12 levels, as LevelDB). Why a skiplist and
 * not a B-tree or a sorted array with merges: insertion and search are O(log n) expected, an
 * insertion never moves an existing entry, so an open iterator holds a plain node reference that
 * stays meaningful across later inserts (a B-tree split would strand it, a sorted array would
 * shift under it), and an append in key order — bulk loads — is O(1) through the per-level tails.
 * The price is about twice the comparisons of a binary search (some 30 for 100,000 entries); the
 * layout below makes most of them cost no cache miss.
 *
 * Layout, chosen so that a memtable of millions of entries is a handful of objects to the GC, and
 * a search step touches one cache line of the node array:
 *
 *   nodes (one Int32Array; a node id is the index of its first field; its links sit below it):
 *   +---------------------------+--------+--------+------+------+------+--------+-------+-------+-------+------+
 *   | link[h-1] ... link[0]     | prefix | prefix | seq  | seq  | kind | offset | key   | chunk | value | prev |
 *   | each: successor id,       | high   | low    | high | low  |      |        | bytes |       | bytes |      |
 *   |   successor's prefix high |        |        |      |      |      |        |       |       |       |      |
 *   +---------------------------+--------+--------+------+------+------+--------+-------+-------+-------+------+
 *                               ^ id
 *
 *   chunks (Uint8Array[]; an entry's bytes at chunks[chunk][offset ..]):
 *   +---------------------------------------------+-----------------------+
 *   | internal key: user key + 8-byte trailer     | value                 |
 *   +---------------------------------------------+-----------------------+
 *
 * A node record is 10 + 2 * height int32s (average height 4/3: about 51 bytes); there are no node
 * objects at all. The first 8 user-key bytes are mirrored into the record as two big-endian words
 * (zero-padded), and each link also carries its successor's high word, so most steps of a search
 * are decided from the record already in cache: a successor past the target costs no load at all,
 * and the chunk is touched only when the prefixes tie. Sequences are split into two words (they go
 * up to 2^53; no bigint).
 *
 * Key and value bytes are *copied* into append-only chunks (16 KiB doubling to 1 MiB; an entry of
 * 64 KiB or more gets a chunk of its own). Copying is what keeps GC low: the caller's arrays die
 * young, and a million entries are a few hundred chunks instead of two million small buffers
 * that every major GC would trace. The copy is one short memcpy of bytes already in cache.
 *
 * Invariants:
 * - Level 0 is a doubly linked list in internal-key order, circular through the head: the head's
 *   `prev` is the last node, and a link to the head means "none" at every level.
 * - Bytes in chunks are never rewritten or moved, so `key()` and `value()` views stay valid for
 *   the memtable's life (the `InternalIterator` contract asks this of `value()`).
 * - Nodes are never removed, and a node id is an index that survives the node array's growth:
 *   an iterator positioned at a node keeps its place while entries are added around it, and
 *   sees each existing entry exactly once.
 * - No two entries share (user key, sequence): adding one twice is a programmer error.
 */
import { assert, invariants } from "@omnikv/base";
import type { InternalIterator } from "./internal-iterator.ts";
import { internalKeyKind, internalKeySequence, kindForSeek, trailerBytes, ValueKind, writeTrailer } from "./internal-key.ts";
import { compareRanges } from "./internal/bytes.ts";
import { bloomHash } from "./sstable/bloom-filter.ts";

/**
 * What `approximateBytes` charges per entry beyond its key and value bytes: the node record and
 * chunk slack (56) and the newest-version index (8-byte slots at a load of 3/8 to 3/4: 16 on average).
 */
export const entryOverheadBytes = 72;

/** What `MemTable.get` finds: the newest version of a key visible at the snapshot. */
export interface MemTableEntry {
  readonly kind: ValueKind;
  readonly sequence: number;
  /** A view into the memtable's storage, valid for the memtable's life. Empty for deletes. */
  readonly value: Uint8Array;
}

export class MemTable {
  readonly #list = new SkipList();
  readonly #index: NewestVersionIndex;
  #approximateBytes = 0;
  #entryCount = 0;

  constructor() {
    // The index starts small and doubles: a memtable costs little until it holds much.
    this.#index = new NewestVersionIndex(this.#list);
  }

  /** Bytes held, for deciding when the memtable is full: keys + values + `entryOverheadBytes` each. */
  get approximateBytes(): number {
    return this.#approximateBytes;
  }

  get entryCount(): number {
    return this.#entryCount;
  }

  get isEmpty(): boolean {
    return this.#entryCount === 0;
  }

  /** Adds a version of `userKey`. The bytes are copied; the caller may reuse its arrays at once. */
  add(sequence: number, kind: ValueKind, userKey: Uint8Array, value: Uint8Array): void {
    assert(Number.isSafeInteger(sequence) && sequence >= 0, "sequence is a non-negative safe integer");
    assert(kind === ValueKind.Put || kind === ValueKind.Delete, "kind is put or delete");
    assert(kind === ValueKind.Put || value.length === 0, "a delete carries no value");
    const node = this.#list.insert(userKey, sequence, kind, value);
    this.#index.add(node, userKey, bloomHash(userKey));
    this.#entryCount += 1;
    this.#approximateBytes += userKey.length + trailerBytes + value.length + entryOverheadBytes;
  }

  /**
   * The newest version of `userKey` with sequence <= `snapshotSequence`, deletes included (the
   * caller stops its search at a delete), or undefined when the memtable holds none.
   *
   * The index finds the key's newest version in a probe or two, instead of a skiplist search that
   * misses the cache at most of its ~log2(n) steps; a key the memtable does not hold (most reads,
   * once data is in tables) costs the same probe. Older versions follow the newest one at level 0,
   * so a snapshot older than a few of them falls back to the search.
   */
  get(userKey: Uint8Array, snapshotSequence: number, keyHash: number = bloomHash(userKey)): MemTableEntry | undefined {
    assert(Number.isSafeInteger(snapshotSequence) && snapshotSequence >= 0, "snapshot is a non-negative safe integer");
    const list = this.#list;
    let node = this.#index.find(userKey, keyHash);
    if (node === head) return undefined;
    for (let step = 0; list.sequenceOf(node) > snapshotSequence; step++) {
      if (step === newerVersionsWalkedMax) {
        node = list.findGreaterOrEqual(userKey, userKey.length, snapshotSequence, kindForSeek);
        break;
      }
      node = list.next(node, 0);
      if (node === head) return undefined;
    }
    if (node === head || !list.hasUserKey(node, userKey)) return undefined;
    const sequence = list.sequenceOf(node);
    assert(sequence <= snapshotSequence, "a lookup never returns a version newer than its snapshot");
    return { kind: list.kindOf(node), sequence, value: list.valueOf(node) };
  }

  /** A cursor over every entry; it stays valid (and may or may not see new entries) across `add`. */
  iterator(): InternalIterator {
    return new MemTableIterator(this.#list);
  }
}

/** Versions newer than a lookup's snapshot that `get` steps over before it searches instead. */
const newerVersionsWalkedMax = 8;
const indexSlotsMin = 1 << 10;
/** Int32s per index slot: the node id (0: empty; no node has id 0) and the key's hash. */
const indexSlotSize = 2;

/**
 * An open-addressing hash table (linear probing, load at most 3/4) from each user key the
 * memtable holds to the node of its newest version, the first of its versions in internal-key
 * order. Slots interleave node and hash so a probe reads one cache line, and the stored hash
 * settles nearly every mismatch without touching the key bytes.
 */
class NewestVersionIndex {
  readonly #list: SkipList;
  #slots: Int32Array;
  #mask: number;
  #keyCount = 0;

  constructor(list: SkipList) {
    this.#list = list;
    this.#slots = new Int32Array(indexSlotsMin * indexSlotSize);
    this.#mask = indexSlotsMin - 1;
  }

  /** The node of the newest version of `userKey`, or head when the memtable holds none. */
  find(userKey: Uint8Array, hash: number): number {
    const keyHash = hash | 0; // as the Int32Array stores it (bloomHash is unsigned)
    const slots = this.#slots;
    for (let slot = keyHash & this.#mask; ; slot = (slot + 1) & this.#mask) {
      const node = int32At(slots, slot * indexSlotSize);
      if (node === 0) return head;
      if (int32At(slots, slot * indexSlotSize + 1) === keyHash && this.#list.hasUserKey(node, userKey)) return node;
    }
  }

  /** Records `node` (just inserted, holding `userKey`) if it is the key's newest version. */
  add(node: number, userKey: Uint8Array, hash: number): void {
    const keyHash = hash | 0;
    const slots = this.#slots;
    const list = this.#list;
    for (let slot = keyHash & this.#mask; ; slot = (slot + 1) & this.#mask) {
      const at = slot * indexSlotSize;
      const held = int32At(slots, at);
      if (held === 0) {
        slots[at] = node;
        slots[at + 1] = keyHash;
        this.#keyCount += 1;
        if (this.#keyCount * 4 > (this.#mask + 1) * 3) this.#grow();
        return;
      }
      if (int32At(slots, at + 1) === keyHash && list.hasUserKey(held, userKey)) {
        // Versions usually arrive in sequence order, but replay and ingestion may add older ones.
        if (list.sequenceOf(node) > list.sequenceOf(held)) slots[at] = node;
        return;
      }
    }
  }

  #grow(): void {
    const old = this.#slots;
    const slotCount = (this.#mask + 1) * 2;
    const slots = new Int32Array(slotCount * indexSlotSize);
    const mask = slotCount - 1;
    for (let at = 0; at < old.length; at += indexSlotSize) {
      const node = int32At(old, at);
      if (node === 0) continue;
      const keyHash = int32At(old, at + 1);
      let slot = keyHash & mask;
      while (int32At(slots, slot * indexSlotSize) !== 0) slot = (slot + 1) & mask;
      slots[slot * indexSlotSize] = node;
      slots[slot * indexSlotSize + 1] = keyHash;
    }
    this.#slots = slots;
    this.#mask = mask;
  }
}

const heightMax = 12;
/** Int32s per link: the successor's id and the high word of its key prefix. */
const linkSize = 2;
/** The head's links are the first `heightMax` links, so its id is just past them. */
const head = heightMax * linkSize;

// Field offsets from a node id; the links sit below it (level l at id - 2 - 2l).
const fieldPrefixHigh = 0;
const fieldPrefixLow = 1;
const fieldSequenceHigh = 2;
const fieldSequenceLow = 3;
const fieldKind = 4;
const fieldOffset = 5;
const fieldKeyBytes = 6;
const fieldChunk = 7;
const fieldValueBytes = 8;
const fieldPrev = 9;
const fieldCount = 10;
/** User-key bytes mirrored into the node record (two big-endian words, zero-padded). */
const prefixBytes = 8;

const nodesLengthInitial = 1024;
/** Node ids are int32 links, so the node array stays below 2^31 fields. */
const nodesLengthMax = 0x7fff_ffff;
const chunkBytesInitial = 16 * 1024;
const chunkBytesMax = 1024 * 1024;
/** Entries above this size get a chunk of their own, so chunk slack stays below 6%. */
const dedicatedChunkBytesMin = 64 * 1024;
const twoTo32 = 0x1_0000_0000;

/**
 * The skiplist and its byte arena. Module-private: its fields are plain so the iterator below can
 * read them, and nothing outside this file can.
 */
class SkipList {
  nodes = new Int32Array(nodesLengthInitial);
  nodesUsed = head + fieldCount;
  /** Levels in use: 1 + the highest level any node reaches. */
  height = 1;
  readonly chunks: Uint8Array[] = [];
  #chunk = new Uint8Array(0);
  #chunkIndex = -1;
  #chunkUsed = 0;
  #nextChunkBytes = chunkBytesInitial;
  /** The predecessor at each level of the node being inserted; reused across inserts. */
  readonly #splice = new Int32Array(heightMax);
  /** The last node at each level (head when the level is empty): the splice of an append. */
  readonly #lastAtLevel = new Int32Array(heightMax);
  #random = 0x2545_f491;
  // The search target, set once per search so the comparisons take one argument.
  #probeKey: Uint8Array = new Uint8Array(0);
  #probeKeyEnd = 0;
  #probePrefixHigh = 0;
  #probePrefixLow = 0;
  #probeSequence = 0;
  #probeKind = 0;

  constructor() {
    // An empty list: the head links to itself at every level and is its own predecessor.
    for (let level = 0; level < heightMax; level++) this.nodes[linkAt(head, level)] = head;
    this.nodes[head + fieldPrev] = head;
    this.#lastAtLevel.fill(head);
  }

  /** Inserts the entry; returns its node. */
  insert(userKey: Uint8Array, sequence: number, kind: number, value: Uint8Array): number {
    this.#setProbe(userKey, userKey.length, sequence, kind);
    const splice = this.#findSplice();
    const successor = this.next(int32At(splice, 0), 0);
    this.#checkNotDuplicate(int32At(splice, 0), userKey, sequence);
    this.#checkNotDuplicate(successor, userKey, sequence);
    const height = this.#randomHeight();
    const node = this.#allocateNode(height);
    this.#storeEntry(node, userKey, sequence, kind, value);
    const nodes = this.nodes;
    const prefixHigh = int32At(nodes, node + fieldPrefixHigh);
    for (let level = 0; level < height; level++) {
      const from = linkAt(int32At(splice, level), level);
      const to = linkAt(node, level);
      const after = int32At(nodes, from);
      nodes[to] = after;
      nodes[to + 1] = int32At(nodes, from + 1);
      nodes[from] = node;
      nodes[from + 1] = prefixHigh;
      if (after === head) this.#lastAtLevel[level] = node;
    }
    nodes[node + fieldPrev] = int32At(splice, 0);
    nodes[successor + fieldPrev] = node; // A successor of head means the new node is the last one.
    if (height > this.height) this.height = height;
    if (invariants.enabled) this.#checkLinks(node, height);
    return node;
  }

  /** Fills `#splice` with the last node before the probe at every level. */
  #findSplice(): Int32Array {
    const splice = this.#splice;
    const last = this.last();
    if (last === head || this.#compareToProbe(last) < 0) {
      // An append (ascending bulk loads): the splice is the last node of every level.
      splice.set(this.#lastAtLevel);
      return splice;
    }
    splice.fill(head, this.height);
    let node = head;
    let level = this.height - 1;
    let knownNotBefore = head; // as in findGreaterOrEqual
    for (;;) {
      const next = this.next(node, level);
      if (next !== knownNotBefore && this.#isLinkBeforeProbe(node, level)) {
        node = next;
        continue;
      }
      splice[level] = node;
      if (level === 0) return splice;
      knownNotBefore = next;
      level -= 1;
    }
  }

  /** The first node at or after the internal key (key[0, keyEnd), sequence, kind); head when none. */
  findGreaterOrEqual(key: Uint8Array, keyEnd: number, sequence: number, kind: number): number {
    this.#setProbe(key, keyEnd, sequence, kind);
    let node = head;
    let level = this.height - 1;
    // The last node known to be >= the target: comparing it again at a lower level is wasted work.
    let knownNotBefore = head;
    for (;;) {
      const next = this.next(node, level);
      if (next !== knownNotBefore && this.#isLinkBeforeProbe(node, level)) {
        node = next;
      } else if (level === 0) {
        return next;
      } else {
        knownNotBefore = next;
        level -= 1;
      }
    }
  }

  /** The last node at or before the internal key; head when none. */
  findLastAtMost(key: Uint8Array, keyEnd: number, sequence: number, kind: number): number {
    this.#setProbe(key, keyEnd, sequence, kind);
    let node = head;
    for (let level = this.height - 1; level >= 0; level--) {
      while (this.#isLinkAtMostProbe(node, level)) node = this.next(node, level);
    }
    return node;
  }

  next(node: number, level: number): number {
    return int32At(this.nodes, linkAt(node, level));
  }

  prev(node: number): number {
    return int32At(this.nodes, node + fieldPrev);
  }

  last(): number {
    return this.prev(head);
  }

  /** Sets the internal key the searches compare against: (key[0, keyEnd), sequence, kind). */
  #setProbe(key: Uint8Array, keyEnd: number, sequence: number, kind: number): void {
    this.#probeKey = key;
    this.#probeKeyEnd = keyEnd;
    this.#probePrefixHigh = prefixWord(key, 0, keyEnd);
    this.#probePrefixLow = prefixWord(key, 4, keyEnd);
    this.#probeSequence = sequence;
    this.#probeKind = kind;
  }

  /**
   * Whether the successor of `node` at `level` sorts before the probe. The prefix word stored in
   * the link decides most cases without loading the successor's record at all: a search's
   * overshoots (successors past the probe) then cost no cache miss.
   */
  #isLinkBeforeProbe(node: number, level: number): boolean {
    const at = linkAt(node, level);
    const next = int32At(this.nodes, at);
    if (next === head) return false;
    const high = int32At(this.nodes, at + 1) >>> 0;
    if (high !== this.#probePrefixHigh) return high < this.#probePrefixHigh;
    return this.#compareToProbe(next) < 0;
  }

  /** Whether the successor of `node` at `level` sorts at or before the probe (see above). */
  #isLinkAtMostProbe(node: number, level: number): boolean {
    const at = linkAt(node, level);
    const next = int32At(this.nodes, at);
    if (next === head) return false;
    const high = int32At(this.nodes, at + 1) >>> 0;
    if (high !== this.#probePrefixHigh) return high < this.#probePrefixHigh;
    return this.#compareToProbe(next) <= 0;
  }

  /**
   * Sign of (node's internal key) - (the probe), in internal-key order. The 8-byte prefixes
   * decide most comparisons without touching the key bytes in the chunk (one cache miss fewer).
   */
  #compareToProbe(node: number): number {
    const nodes = this.nodes;
    const high = int32At(nodes, node + fieldPrefixHigh) >>> 0;
    if (high !== this.#probePrefixHigh) return high < this.#probePrefixHigh ? -1 : 1;
    const low = int32At(nodes, node + fieldPrefixLow) >>> 0;
    if (low !== this.#probePrefixLow) return low < this.#probePrefixLow ? -1 : 1;
    const offset = int32At(nodes, node + fieldOffset);
    const userBytes = int32At(nodes, node + fieldKeyBytes) - trailerBytes;
    // Equal zero-padded prefixes mean the first min(8, both lengths) bytes are equal.
    const keyEnd = this.#probeKeyEnd;
    const same = Math.min(prefixBytes, userBytes, keyEnd);
    const chunk = chunkAt(this.chunks, int32At(nodes, node + fieldChunk));
    const byUser = compareRanges(chunk, offset + same, offset + userBytes, this.#probeKey, same, keyEnd);
    if (byUser !== 0) return byUser;
    const sequence = this.sequenceOf(node);
    if (sequence !== this.#probeSequence) return sequence > this.#probeSequence ? -1 : 1;
    return this.#probeKind - int32At(nodes, node + fieldKind);
  }

  hasUserKey(node: number, userKey: Uint8Array): boolean {
    const nodes = this.nodes;
    const chunk = chunkAt(this.chunks, int32At(nodes, node + fieldChunk));
    const offset = int32At(nodes, node + fieldOffset);
    const userEnd = offset + int32At(nodes, node + fieldKeyBytes) - trailerBytes;
    return compareRanges(chunk, offset, userEnd, userKey, 0, userKey.length) === 0;
  }

  sequenceOf(node: number): number {
    return int32At(this.nodes, node + fieldSequenceHigh) * twoTo32 + (int32At(this.nodes, node + fieldSequenceLow) >>> 0);
  }

  kindOf(node: number): ValueKind {
    return int32At(this.nodes, node + fieldKind) === ValueKind.Put ? ValueKind.Put : ValueKind.Delete;
  }

  // Views are built with the (buffer, offset, length) constructor: chunks start at offset 0 of
  // their own buffers, and the constructor costs about half of `subarray`, which looks up a
  // species constructor first. Scans build two views per entry, so it shows.

  /** The internal key, as a view into the chunk. */
  keyOf(node: number): Uint8Array {
    const chunk = chunkAt(this.chunks, int32At(this.nodes, node + fieldChunk));
    return new Uint8Array(chunk.buffer, int32At(this.nodes, node + fieldOffset), int32At(this.nodes, node + fieldKeyBytes));
  }

  /** The value, as a view into the chunk. */
  valueOf(node: number): Uint8Array {
    const start = int32At(this.nodes, node + fieldOffset) + int32At(this.nodes, node + fieldKeyBytes);
    const chunk = chunkAt(this.chunks, int32At(this.nodes, node + fieldChunk));
    return new Uint8Array(chunk.buffer, start, int32At(this.nodes, node + fieldValueBytes));
  }

  #checkNotDuplicate(neighbour: number, userKey: Uint8Array, sequence: number): void {
    if (neighbour === head) return;
    const isSame = this.sequenceOf(neighbour) === sequence && this.hasUserKey(neighbour, userKey);
    assert(!isSame, `the memtable already holds sequence ${sequence} of this key`);
  }

  /** A height of h has probability (3/4)(1/4)^(h-1): two random bits per extra level. */
  #randomHeight(): number {
    // xorshift32: deterministic, so a memtable's shape is reproducible from its inputs.
    let x = this.#random;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#random = x;
    let height = 1;
    while (height < heightMax && (x & 3) === 0) {
      height += 1;
      x >>>= 2;
    }
    return height;
  }

  #allocateNode(height: number): number {
    const node = this.nodesUsed + height * linkSize;
    const used = node + fieldCount;
    assert(used <= nodesLengthMax, "the memtable's node array fits int32 links");
    if (used > this.nodes.length) {
      const grown = new Int32Array(Math.min(nodesLengthMax, Math.max(used, this.nodes.length * 2)));
      grown.set(this.nodes);
      this.nodes = grown;
    }
    this.nodesUsed = used;
    return node;
  }

  /** Copies the entry's bytes into a chunk and fills the node's fields (links aside). */
  #storeEntry(node: number, userKey: Uint8Array, sequence: number, kind: number, value: Uint8Array): void {
    const keyBytes = userKey.length + trailerBytes;
    const entryBytes = keyBytes + value.length;
    let chunkIndex: number;
    let offset: number;
    if (entryBytes >= dedicatedChunkBytesMin) {
      chunkIndex = this.chunks.length;
      offset = 0;
      this.chunks.push(new Uint8Array(entryBytes));
    } else {
      if (this.#chunkUsed + entryBytes > this.#chunk.length) this.#startChunk(entryBytes);
      chunkIndex = this.#chunkIndex;
      offset = this.#chunkUsed;
      this.#chunkUsed += entryBytes;
    }
    const chunk = chunkAt(this.chunks, chunkIndex);
    copyBytes(chunk, offset, userKey);
    writeTrailer(chunk, offset + userKey.length, sequence, kind);
    copyBytes(chunk, offset + keyBytes, value);
    const nodes = this.nodes;
    nodes[node + fieldPrefixHigh] = prefixWord(userKey, 0, userKey.length);
    nodes[node + fieldPrefixLow] = prefixWord(userKey, 4, userKey.length);
    nodes[node + fieldChunk] = chunkIndex;
    nodes[node + fieldOffset] = offset;
    nodes[node + fieldKeyBytes] = keyBytes;
    nodes[node + fieldValueBytes] = value.length;
    nodes[node + fieldSequenceHigh] = Math.floor(sequence / twoTo32);
    nodes[node + fieldSequenceLow] = sequence | 0;
    nodes[node + fieldKind] = kind;
    assert(this.sequenceOf(node) === sequence, "the sequence survives its split into two int32 fields");
  }

  #startChunk(entryBytes: number): void {
    assert(entryBytes < dedicatedChunkBytesMin, "large entries get a chunk of their own");
    this.#chunk = new Uint8Array(Math.max(this.#nextChunkBytes, entryBytes));
    this.#chunkIndex = this.chunks.length;
    this.#chunkUsed = 0;
    this.chunks.push(this.#chunk);
    this.#nextChunkBytes = Math.min(chunkBytesMax, this.#nextChunkBytes * 2);
  }

  /** Expensive check (invariants only): the new node sits strictly between its neighbours at every level. */
  #checkLinks(node: number, height: number): void {
    const key = this.keyOf(node);
    const userEnd = key.length - trailerBytes;
    this.#setProbe(key, userEnd, internalKeySequence(key), internalKeyKind(key));
    assert(this.#compareToProbe(node) === 0, "the new node compares equal to its own key");
    for (let level = 0; level < height; level++) {
      const after = this.next(node, level);
      if (after === head) continue;
      assert(this.#compareToProbe(after) > 0, "the successor sorts after the new node");
      const linkPrefix = int32At(this.nodes, linkAt(node, level) + 1);
      assert(linkPrefix === int32At(this.nodes, after + fieldPrefixHigh), "a link carries its successor's prefix");
    }
    const before = this.prev(node);
    assert(before === head || this.#compareToProbe(before) < 0, "the predecessor sorts before the new node");
    assert(this.next(before, 0) === node, "the predecessor links to the new node");
  }
}

/**
 * The memtable's cursor: a node id, nothing else, so adds around it never invalidate it. The key
 * view is built at most once per position (the merging iterator asks for it repeatedly).
 */
class MemTableIterator implements InternalIterator {
  readonly #list: SkipList;
  #node = head;
  #key: Uint8Array | undefined;

  constructor(list: SkipList) {
    this.#list = list;
  }

  get isValid(): boolean {
    return this.#node !== head;
  }

  seek(target: Uint8Array): void {
    const userEnd = target.length - trailerBytes;
    this.#moveTo(this.#list.findGreaterOrEqual(target, userEnd, internalKeySequence(target), internalKeyKind(target)));
  }

  seekForPrev(target: Uint8Array): void {
    const userEnd = target.length - trailerBytes;
    this.#moveTo(this.#list.findLastAtMost(target, userEnd, internalKeySequence(target), internalKeyKind(target)));
  }

  seekToFirst(): void {
    this.#moveTo(this.#list.next(head, 0));
  }

  seekToLast(): void {
    this.#moveTo(this.#list.last());
  }

  next(): void {
    assert(this.isValid, "next() needs a valid iterator");
    this.#moveTo(this.#list.next(this.#node, 0));
  }

  prev(): void {
    assert(this.isValid, "prev() needs a valid iterator");
    this.#moveTo(this.#list.prev(this.#node));
  }

  key(): Uint8Array {
    assert(this.isValid, "key() needs a valid iterator");
    this.#key ??= this.#list.keyOf(this.#node);
    return this.#key;
  }

  value(): Uint8Array {
    assert(this.isValid, "value() needs a valid iterator");
    return this.#list.valueOf(this.#node);
  }

  close(): void {
    this.#moveTo(head);
  }

  #moveTo(node: number): void {
    this.#node = node;
    this.#key = undefined;
  }
}

/** Where the link of `node` at `level` starts: links sit below the node id, level 0 nearest. */
function linkAt(node: number, level: number): number {
  return node - linkSize * (level + 1);
}

/** Bytes [start, start + 4) of key[0, end) as a big-endian unsigned word, zero-padded past `end`. */
function prefixWord(key: Uint8Array, start: number, end: number): number {
  if (start + 4 <= end) {
    return ((byteAt(key, start) << 24) | (byteAt(key, start + 1) << 16) | (byteAt(key, start + 2) << 8) | byteAt(key, start + 3)) >>> 0;
  }
  let word = 0;
  for (let i = start; i < start + 4; i++) word = word * 256 + (i < end ? byteAt(key, i) : 0);
  return word;
}

/** Copies `source` to `target` at `offset`; a byte loop beats `set()`'s call overhead for short keys. */
function copyBytes(target: Uint8Array, offset: number, source: Uint8Array): void {
  const length = source.length;
  if (length > 32) {
    target.set(source, offset);
    return;
  }
  for (let i = 0; i < length; i++) target[offset + i] = byteAt(source, i);
}

// The three helpers below read arrays whose index the caller has derived from the list's own
// links and bounds, so the element exists; the casts drop the `| undefined` that
// noUncheckedIndexedAccess adds, at no run-time cost on the hottest path.

function int32At(array: Int32Array, index: number): number {
  // oxlint-disable-next-line typescript/no-unsafe-type-assertion -- index derived from the list's own links
  return array[index] as number;
}

function byteAt(array: Uint8Array, index: number): number {
  // oxlint-disable-next-line typescript/no-unsafe-type-assertion -- index below the array's length
  return array[index] as number;
}

function chunkAt(chunks: readonly Uint8Array[], index: number): Uint8Array {
  // oxlint-disable-next-line typescript/no-unsafe-type-assertion -- chunk ids come from #storeEntry
  return chunks[index] as Uint8Array;
}
