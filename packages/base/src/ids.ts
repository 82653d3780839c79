/**
 * Branded ids: numbers and bigints that must never be mixed up get distinct nominal types.
 * A `Lsn` cannot be passed where a `Term` is expected, even though both are bigints at run time.
 * 64-bit counters are `bigint` so they never lose precision past 2^53.
 */
import { assert } from "./assert.ts";

declare const brand: unique symbol;

/** `T` tagged with the nominal name `B`; only the constructors below produce one. */
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** Log sequence number: position of a record in a write-ahead log. First record is 1. */
export type Lsn = Brand<bigint, "Lsn">;
/** Transaction id. */
export type TxnId = Brand<bigint, "TxnId">;
/** Raft term. */
export type Term = Brand<bigint, "Term">;
/** Page (or block) id within a file. */
export type PageId = Brand<number, "PageId">;

const uint64Max = (1n << 64n) - 1n;

/**
 * The one place a plain value becomes branded. Callers validate first; the cast is sound because
 * a brand is a compile-time tag with no run-time representation.
 */
function brandAs<B extends string, T>(value: T): Brand<T, B> {
  // oxlint-disable-next-line typescript/no-unsafe-type-assertion -- see the doc comment above
  return value as Brand<T, B>;
}

function checkUint64(value: bigint, what: string): void {
  assert(value >= 0n, `${what} must not be negative`);
  assert(value <= uint64Max, `${what} must fit in 64 bits`);
}

export function lsn(value: bigint | number): Lsn {
  const v = BigInt(value);
  checkUint64(v, "lsn");
  return brandAs<"Lsn", bigint>(v);
}

export function txnId(value: bigint | number): TxnId {
  const v = BigInt(value);
  checkUint64(v, "txn id");
  return brandAs<"TxnId", bigint>(v);
}

export function term(value: bigint | number): Term {
  const v = BigInt(value);
  checkUint64(v, "term");
  return brandAs<"Term", bigint>(v);
}

export function pageId(value: number): PageId {
  assert(Number.isSafeInteger(value) && value >= 0, "page id must be a non-negative safe integer");
  return brandAs<"PageId", number>(value);
}
