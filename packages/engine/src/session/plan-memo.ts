/**
 * A session's kept plans. A plan depends on the catalog (names, columns, indexes), the
 * statistics (estimates, so join order and access paths), the settings (search_path, TimeZone
 * and DateStyle for folded constants) and the current role (`$user` in search_path); a kept plan
 * is used only while all four are as they were when it was made — the plan cache the issue asks
 * for, invalidated by DDL and by new statistics.
 */
import type { PlanMemo, PlannedQuery } from "../dml/statement-environment.ts";

export interface PlanStamp {
  readonly catalog: number;
  readonly statistics: number;
  readonly settings: number;
  readonly role: number;
}

/** The statistics, settings and role versions now (the catalog version comes with each lookup). */
export type StampSource = (catalogVersion: number) => PlanStamp;

export function isSameStamp(a: PlanStamp, b: PlanStamp): boolean {
  return a.catalog === b.catalog && a.statistics === b.statistics && a.settings === b.settings && a.role === b.role;
}

interface Kept {
  readonly stamp: PlanStamp;
  readonly planned: PlannedQuery;
}

export class SessionPlanMemo implements PlanMemo {
  // Weak: a statement object that is no longer cached anywhere takes its plans with it.
  readonly #entries = new WeakMap<object, Map<string, Kept>>();
  readonly #stampNow: StampSource;

  constructor(stampNow: StampSource) {
    this.#stampNow = stampNow;
  }

  get(key: object, site: string, catalogVersion: number): PlannedQuery | undefined {
    const kept = this.#entries.get(key)?.get(site);
    if (kept === undefined || !isSameStamp(kept.stamp, this.#stampNow(catalogVersion))) return undefined;
    return kept.planned;
  }

  set(key: object, site: string, catalogVersion: number, planned: PlannedQuery): void {
    let sites = this.#entries.get(key);
    if (sites === undefined) {
      sites = new Map();
      this.#entries.set(key, sites);
    }
    sites.set(site, { stamp: this.#stampNow(catalogVersion), planned });
  }
}
