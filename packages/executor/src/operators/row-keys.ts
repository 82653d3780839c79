/**
 * Equality and hashing of rows of known column types, for grouping, DISTINCT, set operations
 * and hash joins: each type's `=` (PostgreSQL's btree/hash equality: 1.0 = 1.00, -0 = 0,
 * NaN = NaN, '1 day' = '24 hours') and base's `hashValue`, which agrees with it. Types whose `=`
 * is JavaScript's `===` on their runtime values skip the function call.
 *
 * `RowKeyTable` maps key rows to values through hash buckets; `isNullEqual` chooses between
 * grouping semantics (NULLs form one group) and join semantics (a NULL key matches nothing).
 */
import { TypeOid, assert, hashValue } from "@omnikv/base";
import { resolveOperator } from "@omnikv/planner";
import type { FunctionRegistry } from "../functions/registry.ts";
import type { EvalContext } from "../functions/function-types.ts";
import type { SqlValue } from "../values.ts";
import type { Row } from "./table-access.ts";

type Equal = (a: SqlValue, b: SqlValue, context: EvalContext) => boolean;

const identityEqualTypes: ReadonlySet<number> = new Set([
  TypeOid.bool,
  TypeOid.int2,
  TypeOid.int4,
  TypeOid.int8,
  TypeOid.oid,
  TypeOid.text,
  TypeOid.varchar,
  TypeOid.date,
]);

/** Whether the type's `=` is `===` on its runtime values (so a plain Map can key on them). */
export function isIdentityEquality(oid: number): boolean {
  return identityEqualTypes.has(oid);
}

export function equalityOf(oid: number, registry: FunctionRegistry): Equal {
  if (identityEqualTypes.has(oid)) return (a, b) => a === b;
  const resolved = resolveOperator("=", [oid, oid]);
  const equal = registry.lookup(resolved.signature.id, resolved.argTypes);
  return (a, b, context) => equal([a, b], context) === true;
}

/**
 * A Map key standing for a whole key row of identity-equality types: equal rows give equal
 * strings and different rows different ones (strings are length-prefixed, so no separator can
 * be forged; each column's values share one JavaScript type).
 */
function compositeKey(key: Row): string {
  let text = "";
  for (const value of key) {
    if (value === null) text += "n|";
    else if (typeof value === "string") text += `s${value.length}:${value}|`;
    else if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") text += `v${value}|`;
    else throw new Error("identity-equality keys are primitives");
  }
  return text;
}

export class RowKeyTable<V> {
  readonly #oids: readonly number[];
  readonly #equals: readonly Equal[];
  readonly #isNullEqual: boolean;
  readonly #buckets = new Map<number, { key: Row; value: V }[]>();
  /** When every key type's `=` is `===`: entries by their key's value (one column) or composite string. */
  readonly #direct: Map<SqlValue, { key: Row; value: V }> | undefined;
  #size = 0;

  constructor(oids: readonly number[], registry: FunctionRegistry, isNullEqual: boolean) {
    this.#oids = oids;
    this.#equals = oids.map((oid) => equalityOf(oid, registry));
    this.#isNullEqual = isNullEqual;
    this.#direct = oids.every((oid) => identityEqualTypes.has(oid)) ? new Map() : undefined;
  }

  #directKey(key: Row): SqlValue {
    return key.length === 1 ? (key[0] ?? null) : compositeKey(key);
  }

  get size(): number {
    return this.#size;
  }

  /** The value stored under a key equal to `key`, or undefined (always, for a NULL key under join semantics). */
  get(key: Row, context: EvalContext): V | undefined {
    if (!this.#isNullEqual && key.includes(null)) return undefined;
    if (this.#direct !== undefined) return this.#direct.get(this.#directKey(key))?.value;
    const bucket = this.#buckets.get(this.#hash(key));
    return bucket?.find((entry) => this.#isEqual(entry.key, key, context))?.value;
  }

  /** Stores `value` under `key` unless an equal key is there; returns the stored value. */
  getOrInsert(key: Row, context: EvalContext, create: () => V): V {
    if (this.#direct !== undefined) return this.#getOrInsertDirect(key, create);
    const hash = this.#hash(key);
    let bucket = this.#buckets.get(hash);
    if (bucket === undefined) {
      bucket = [];
      this.#buckets.set(hash, bucket);
    }
    const found = bucket.find((entry) => this.#isEqual(entry.key, key, context));
    if (found !== undefined) return found.value;
    const value = create();
    bucket.push({ key, value });
    this.#size += 1;
    return value;
  }

  #getOrInsertDirect(key: Row, create: () => V): V {
    assert(this.#direct !== undefined, "the direct map exists");
    const directKey = this.#directKey(key);
    const found = this.#direct.get(directKey);
    if (found !== undefined) return found.value;
    const value = create();
    this.#direct.set(directKey, { key, value });
    this.#size += 1;
    return value;
  }

  values(): IterableIterator<{ key: Row; value: V }> {
    return this.#direct === undefined ? flatten(this.#buckets.values()) : this.#direct.values();
  }

  #hash(key: Row): number {
    let hash = 0;
    for (let i = 0; i < key.length; i++) {
      const value = key[i] ?? null;
      hash = (Math.imul(hash, 31) + (value === null ? 0x5bd1e995 : hashValue(this.#oids[i] ?? TypeOid.text, value))) | 0;
    }
    return hash;
  }

  #isEqual(a: Row, b: Row, context: EvalContext): boolean {
    for (let i = 0; i < a.length; i++) {
      const x = a[i] ?? null;
      const y = b[i] ?? null;
      if (x === null || y === null) {
        if (x !== y || !this.#isNullEqual) return false;
        continue;
      }
      if (!(this.#equals[i]?.(x, y, context) ?? false)) return false;
    }
    return true;
  }
}

function* flatten<T>(buckets: IterableIterator<readonly T[]>): Generator<T, undefined, undefined> {
  for (const bucket of buckets) yield* bucket;
  return undefined;
}
