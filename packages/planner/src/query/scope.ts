/**
 * Name resolution for a query level: the relations its FROM clause brings in, each with an alias
 * and columns that map to positions of the row the FROM clause produces. PostgreSQL's rules:
 * an unqualified name must match exactly one column of all relations (42703 none, 42702 more);
 * `t.x` names relation `t` (42P01 "missing FROM-clause entry" when absent); `s.t.x` also checks
 * the schema. USING/NATURAL join columns are merged: the unqualified name resolves to the merged
 * column once, and `*` lists it once, first.
 */
import { assert } from "@omnikv/base";
import type { SqlType } from "../bound-expr.ts";
import type { ColumnScope } from "../bind/bind-expr.ts";
import type { BoundExpr } from "../bound-expr.ts";
import type { OuterLevel } from "./query-context.ts";
import { AmbiguousColumnError, UndefinedColumnError, UndefinedTableError } from "./errors.ts";

export interface ScopeColumn {
  readonly name: string;
  readonly type: SqlType;
  /** Position in the FROM clause's row. */
  readonly index: number;
  /** Hidden from `*` and from unqualified lookup (a USING column's per-side copy). */
  readonly isMergedAway?: boolean;
  /** A system column (the engine's `ctid` row id): found by name, never listed by `*`. */
  readonly isSystem?: boolean;
}

export interface ScopeRelation {
  /** The alias, or the table's name; undefined for an unaliased join or subquery. */
  readonly alias: string | undefined;
  readonly schema: string | undefined;
  readonly columns: readonly ScopeColumn[];
}

/** A USING column: one name for the coalesced pair. */
export interface MergedColumn {
  readonly name: string;
  readonly type: SqlType;
  readonly index: number;
}

export interface ResolvedColumn {
  readonly index: number;
  readonly type: SqlType;
  readonly name: string;
  /** Set when the name is an outer query's column, read through this correlation parameter. */
  readonly paramIndex?: number;
}

/** A column `*` expands to, with the relation that qualifies it (none for a merged USING column). */
export interface StarColumn extends ResolvedColumn {
  readonly relation: string | undefined;
}

export class FromScope implements ColumnScope {
  readonly relations: readonly ScopeRelation[];
  readonly merged: readonly MergedColumn[];
  /** The width of the FROM clause's row. */
  readonly width: number;

  constructor(relations: readonly ScopeRelation[], merged: readonly MergedColumn[], width: number) {
    this.relations = relations;
    this.merged = merged;
    this.width = width;
  }

  static empty(): FromScope {
    return new FromScope([], [], 0);
  }

  resolve(names: readonly string[], _pos: number): ResolvedColumn {
    const column = names.at(-1);
    assert(column !== undefined && names.length >= 1, "a column reference has a name");
    if (names.length === 1) return this.#resolveUnqualified(column);
    const relationName = names.at(-2) ?? "";
    const schema = names.length >= 3 ? names.at(-3) : undefined;
    const relations = this.relations.filter((r) => r.alias === relationName && (schema === undefined || r.schema === schema));
    if (relations.length === 0) throw new UndefinedTableError(`missing FROM-clause entry for table "${relationName}"`);
    if (relations.length > 1) throw new AmbiguousColumnError(`table reference "${relationName}" is ambiguous`);
    const found = relations[0]?.columns.find((c) => c.name === column);
    if (found === undefined) throw new UndefinedColumnError(`column ${relationName}.${column} does not exist`);
    return { index: found.index, type: found.type, name: found.name };
  }

  #resolveUnqualified(name: string): ResolvedColumn {
    const merged = this.merged.find((c) => c.name === name);
    if (merged !== undefined) return merged;
    let found: ScopeColumn | undefined;
    for (const relation of this.relations) {
      for (const column of relation.columns) {
        if (column.name !== name || column.isMergedAway === true) continue;
        if (found !== undefined) throw new AmbiguousColumnError(`column reference "${name}" is ambiguous`);
        found = column;
      }
    }
    if (found === undefined) throw new UndefinedColumnError(`column "${name}" does not exist`);
    return { index: found.index, type: found.type, name: found.name };
  }

  /** `t.x` for the column at `index` of the FROM row, as PostgreSQL names it in messages. */
  describe(index: number): string {
    for (const relation of this.relations) {
      const column = relation.columns.find((c) => c.index === index);
      if (column !== undefined) return relation.alias === undefined ? column.name : `${relation.alias}.${column.name}`;
    }
    return this.merged.find((c) => c.index === index)?.name ?? `column ${index + 1}`;
  }

  /** A whole-row reference's columns: the FROM item's user columns, when exactly one item has the name. */
  wholeRow(name: string): StarColumn[] | undefined {
    const matches = this.relations.filter((r) => r.alias === name);
    if (matches.length !== 1) return undefined;
    return this.star(name);
  }

  /** The columns `*` (qualifier undefined) or `t.*` expands to, in order. */
  star(qualifier: string | undefined): StarColumn[] {
    if (qualifier !== undefined) {
      const relation = this.relations.find((r) => r.alias === qualifier);
      if (relation === undefined) throw new UndefinedTableError(`missing FROM-clause entry for table "${qualifier}"`);
      return relation.columns.filter((c) => c.isSystem !== true).map((c) => ({ index: c.index, type: c.type, name: c.name, relation: qualifier }));
    }
    const visible = this.relations.flatMap((r) => r.columns.filter((c) => c.isMergedAway !== true && c.isSystem !== true).map((c) => ({ ...c, relation: r.alias })));
    const merged = this.merged.map((c) => ({ ...c, relation: undefined }));
    return [...merged, ...visible.map((c) => ({ index: c.index, type: c.type, name: c.name, relation: c.relation }))];
  }
}

/**
 * A query level's scope inside a subquery expression: names it lacks resolve in the enclosing
 * level (as PostgreSQL resolves outer references), and each such outer value becomes a
 * correlation parameter of the subquery (one slot per distinct outer value).
 */
export class CorrelatedScope implements ColumnScope {
  readonly #inner: ColumnScope;
  readonly #outer: OuterLevel;

  constructor(inner: ColumnScope, outer: OuterLevel) {
    this.#inner = inner;
    this.#outer = outer;
  }

  /** Whole-row references name this level's FROM items only. */
  wholeRow(name: string): readonly { readonly index: number; readonly type: SqlType; readonly name: string }[] | undefined {
    return this.#inner.wholeRow?.(name);
  }

  resolve(names: readonly string[], pos: number): ResolvedColumn {
    try {
      return this.#inner.resolve(names, pos);
    } catch (error) {
      const isMissing = error instanceof UndefinedColumnError || (error instanceof UndefinedTableError && names.length > 1);
      if (!isMissing) throw error;
      let found: ResolvedColumn;
      try {
        found = this.#outer.scope.resolve(names, pos);
      } catch (outerError) {
        if (outerError instanceof UndefinedColumnError || outerError instanceof UndefinedTableError) throw error;
        throw outerError;
      }
      return { ...found, index: -1, paramIndex: this.#slotFor(found) };
    }
  }

  #slotFor(found: ResolvedColumn): number {
    const value: BoundExpr =
      found.paramIndex === undefined
        ? { kind: "column", type: found.type, index: found.index, name: found.name }
        : { kind: "param", type: found.type, index: found.paramIndex };
    const existing = this.#outer.correlations.find((c) => c.value.kind === value.kind && (c.value.kind === "column" ? c.value.index === found.index : c.value.kind === "param" && c.value.index === found.paramIndex));
    if (existing !== undefined) return existing.slot;
    const slot = this.#outer.slots.next++;
    this.#outer.correlations.push({ slot, value });
    return slot;
  }
}

/** `scope` as seen from a subquery level: correlated to the enclosing level when there is one. */
export function levelScope(scope: ColumnScope, outer: OuterLevel | undefined): ColumnScope {
  return outer === undefined ? scope : new CorrelatedScope(scope, outer);
}
