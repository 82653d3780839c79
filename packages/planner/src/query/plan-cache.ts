/**
 * A plan cache: plans by statement text and parameter types, each remembered with the catalog
 * version it was made under. A lookup under another version (DDL ran, or ANALYZE stored new
 * statistics) misses and drops the stale plan. Least recently used plans leave first beyond
 * `entriesMax`. A catalog without a version is never cached.
 */
import { assert } from "@omnikv/base";
import type { SelectStatement } from "@omnikv/parser";
import { planSelect, type BoundQuery } from "./bind-select.ts";
import type { QueryContext } from "./query-context.ts";

interface Entry {
  readonly version: number;
  readonly query: BoundQuery;
}

export interface PlanCacheStats {
  readonly entries: number;
  readonly hits: number;
  readonly misses: number;
}

export class PlanCache {
  readonly #entriesMax: number;
  /** Map order is recency order: a hit moves its entry to the end. */
  readonly #entries = new Map<string, Entry>();
  #hits = 0;
  #misses = 0;

  constructor(entriesMax = 1000) {
    assert(Number.isSafeInteger(entriesMax) && entriesMax >= 1, "a plan cache holds at least one plan");
    this.#entriesMax = entriesMax;
  }

  /** The plan of `statement` (whose text is `context.sql`), from the cache when still valid. */
  plan(statement: SelectStatement, context: QueryContext): BoundQuery {
    const version = context.catalog.version;
    if (version === undefined) return planSelect(statement, context);
    const key = `${context.paramTypes.join(",")}\u0000${context.sql}`;
    const entry = this.#entries.get(key);
    if (entry !== undefined) {
      this.#entries.delete(key);
      if (entry.version === version) {
        this.#entries.set(key, entry);
        this.#hits += 1;
        return entry.query;
      }
    }
    this.#misses += 1;
    const query = planSelect(statement, context);
    this.#entries.set(key, { version, query });
    if (this.#entries.size > this.#entriesMax) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    return query;
  }

  stats(): PlanCacheStats {
    return { entries: this.#entries.size, hits: this.#hits, misses: this.#misses };
  }
}
