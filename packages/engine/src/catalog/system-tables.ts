/**
 * The system catalogs as virtual tables: `pg_catalog` (pg_class, pg_attribute, pg_type, …) and
 * `information_schema` (schemata, tables, columns, …), computed on every scan from the
 * transaction's `CatalogView` and never stored. Clients (psql's `\d` family, drivers, ORMs)
 * read them with PostgreSQL 15's column names, so the columns are PostgreSQL's, in its order.
 *
 * Name resolution (`resolveSystemTable`) follows PostgreSQL: an unqualified name is looked up in
 * `pg_catalog` first unless the search_path names `pg_catalog` explicitly (then in path order);
 * `information_schema` only when it is named or on the search_path.
 *
 * Invariants:
 * - Table ids are PostgreSQL's system OIDs where they exist (pg_class 1259, …) and fixed ids
 *   below 16384 otherwise, so they never collide with user objects (ids from 16384 up).
 * - Types PostgreSQL uses that this build lacks are replaced by the closest one it has:
 *   `"char"` → text, `regproc` → name, `aclitem[]` → text[], `pg_node_tree` → text
 *   (an expression's SQL text, which `pg_get_expr` returns), `anyarray` → text, `xid` omitted.
 * - Check and foreign-key constraints and column defaults have no object id of their own; they
 *   get synthetic OIDs from their table's id and their position (`syntheticOid`).
 */
import { TypeOid, assert, isEnumOid, typeInfo, typeLength, type PgArray, type SqlValue } from "@omnikv/base";
import type { IndexScanRequest, Row, TableAccess } from "@omnikv/executor";
import type { CatalogColumn, CatalogTable } from "@omnikv/planner";
import { bindTableExpr } from "../storage/row-writer.ts";
import { isRelation, type CatalogView } from "./catalog-store.ts";
import type { AclEntry, ColumnDefinition, ReferentialAction, SequenceDefinition, TableDefinition, ViewDefinition } from "./definitions.ts";
import { PrivilegeChecker, aclItemText, databaseObject, effectiveAcl, letterList, ownerOf, publicRoleId, type OwnedObject } from "./privileges.ts";
import { builtinCasts, builtinFunctions } from "@omnikv/planner";

/** What system rows show of the session: the owner of everything, and the database. */
export interface SystemContext {
  readonly view: CatalogView;
  readonly userName: string;
  readonly databaseName: string;
  /** `pg_settings`: each setting's name and current value. */
  readonly settings: () => readonly (readonly [string, string])[];
  /** `pg_stat_activity` and `pg_locks`: the database's sessions as they are now. */
  readonly activity?: () => readonly SessionActivity[];
  /** A sequence's state (its last value and whether it was called): what `SELECT … FROM seq` reads. */
  readonly sequenceState?: (definition: SequenceDefinition) => { readonly last: bigint; readonly isCalled: boolean };
  /** A view's columns with their types, from its query as bound (undefined when it no longer binds). */
  readonly viewColumns?: (view: ViewDefinition) => readonly { readonly name: string; readonly typeOid: number; readonly typmod: number }[] | undefined;
}

/** One session, as pg_stat_activity and pg_locks show it. */
export interface SessionActivity {
  readonly pid: number;
  readonly userName: string;
  /** The session user's role id (pg_stat_activity.usesysid). */
  readonly userId: number;
  readonly applicationName: string;
  /** Microseconds since 2000-01-01, as timestamptz values are. */
  readonly backendStart: bigint;
  readonly transactionStart: bigint | undefined;
  readonly queryStart: bigint | undefined;
  readonly state: "active" | "idle" | "idle in transaction" | "idle in transaction (aborted)";
  readonly query: string;
  /** The session's transaction id, when it has a transaction. */
  readonly transactionId: number | undefined;
  /** The transactions it waits for on a row lock (empty: not waiting). */
  readonly waitsFor: readonly number[];
  /** Its running CREATE INDEX, if any. */
  readonly indexBuild: { readonly tableId: number; readonly indexId: number; readonly phase: string; readonly tuplesTotal: number; readonly tuplesDone: number } | undefined;
}

export const pgCatalogOid = 11;
export const informationSchemaOid = 13_000;
/** The bootstrap superuser's OID: the owner of every object here. */
export const ownerOid = 10;
export const databaseOid = 5;
const heapAmOid = 2;
const btreeAmOid = 403;
const defaultCollationOid = 100;
const cCollationOid = 950;
const syntheticOidBase = 2_147_483_648;
/** Check and foreign-key constraints (and defaults) a table may have before they get no synthetic OID. */
export const syntheticSlotsMax = 512;

type ColumnSpec = readonly [name: string, oid: number];

interface SystemTableSpec {
  readonly id: number;
  readonly schema: "pg_catalog" | "information_schema";
  readonly name: string;
  readonly isView: boolean;
  readonly columns: readonly ColumnSpec[];
  readonly rows: (context: SystemContext) => Iterable<Row>;
}

const { oid: O, name: N, text: T, bool: B, int2: I2, int4: I4, int8: I8, float4: F4, textArray: TA, oidArray: OA, int2Array: I2A, timestamptz: TZ, int2vector: I2V, oidvector: OV } = TypeOid;
/** `"char"` has no operators in this build: its columns are text (see the header). */
const C = T;
const V = TypeOid.varchar;

// ---------------------------------------------------------------------------------------------
// Relations as pg_class sees them

export interface RelationEntry {
  readonly oid: number;
  readonly name: string;
  readonly schema: string;
  readonly kind: "r" | "i" | "S" | "v";
  /** The stored object (its owner and ACL), for tables, views and sequences. */
  readonly object?: OwnedObject;
  readonly table?: TableDefinition;
  /** For an index: its table, columns (positions), and flags. */
  readonly index?: {
    readonly table: TableDefinition;
    readonly columns: readonly number[];
    readonly descending: readonly boolean[];
    readonly isUnique: boolean;
    readonly isPrimary: boolean;
    readonly isConstraint: boolean;
    readonly predicate?: string;
    /** An expression index's elements: the expression's SQL, or null for a column (see IndexDefinition). */
    readonly expressions?: readonly (string | null)[];
  };
  readonly system?: SystemTableSpec;
}

export function namespaceOid(view: CatalogView, schema: string): number {
  if (schema === "pg_catalog") return pgCatalogOid;
  if (schema === "information_schema") return informationSchemaOid;
  return view.schema(schema)?.id ?? 0;
}

/** Every relation: user tables, their indexes (the primary key's included), sequences, and the system tables. */
export function* relations(view: CatalogView): Iterable<RelationEntry> {
  for (const spec of systemTables) yield { oid: spec.id, name: spec.name, schema: spec.schema, kind: spec.isView ? "v" : "r", system: spec };
  for (const object of view.objects()) {
    if (!isRelation(object)) continue;
    if (object.kind === "view") {
      yield { oid: object.id, name: object.name, schema: object.schema, kind: "v", object };
      continue;
    }
    if (object.kind === "sequence") {
      yield { oid: object.id, name: object.name, schema: object.schema, kind: "S", object };
      continue;
    }
    yield { oid: object.id, name: object.name, schema: object.schema, kind: "r", table: object, object };
    const pk = object.primaryKey;
    if (pk !== undefined) {
      const index = { table: object, columns: pk.columns, descending: pk.columns.map(() => false), isUnique: true, isPrimary: true, isConstraint: true };
      yield { oid: pk.id, name: pk.name, schema: object.schema, kind: "i", index };
    }
    for (const i of object.indexes) {
      const index = {
        table: object,
        columns: i.columns,
        descending: i.descending,
        isUnique: i.isUnique,
        isPrimary: false,
        isConstraint: i.isConstraint,
        ...(i.predicate === undefined ? {} : { predicate: i.predicate }),
        ...(i.expressions === undefined ? {} : { expressions: i.expressions }),
      };
      yield { oid: i.id, name: i.name, schema: object.schema, kind: "i", index };
    }
  }
}

const pgClassOid = 1259;
const pgNamespaceOid = 2615;
const pgConstraintOid = 2606;

/**
 * pg_depend's rows for what clients look up there: a sequence owned by a column (SERIAL: 'a';
 * identity: 'i', as PostgreSQL records them; Rails and psql's `\d+ sequence` find a table's
 * sequence this way), an index on its table's columns ('a'), and a constraint's index on its
 * constraint ('i'). Other dependencies (views, types, functions) are not listed.
 */
function* dependRows({ view }: SystemContext): Iterable<Row> {
  for (const object of view.objects()) {
    if (object.kind === "sequence" && object.ownedBy !== undefined) {
      const owner = view.table(object.ownedBy.tableId);
      const column = owner?.columns.findIndex((c) => c.name === object.ownedBy?.column) ?? -1;
      const isIdentity = owner?.columns[column]?.identitySequence === object.id;
      if (owner !== undefined && column >= 0) yield [pgClassOid, object.id, 0, pgClassOid, owner.id, column + 1, isIdentity ? "i" : "a"];
    }
    if (object.kind !== "table") continue;
    const primaryKey = object.primaryKey;
    if (primaryKey !== undefined) yield [pgClassOid, primaryKey.id, 0, pgConstraintOid, primaryKey.id, 0, "i"];
    for (const index of object.indexes) {
      if (index.isConstraint) yield [pgClassOid, index.id, 0, pgConstraintOid, index.id, 0, "i"];
      else for (const column of index.columns) if (column >= 0) yield [pgClassOid, index.id, 0, pgClassOid, object.id, column + 1, "a"];
    }
  }
}

/** Every `COMMENT ON` description: (object, catalog, sub-id: a column's number or 0, text). */
function* descriptions(view: CatalogView): Iterable<readonly [number, number, number, string]> {
  for (const object of view.objects()) {
    if (object.kind === "schema" && object.comment !== undefined) yield [object.id, pgNamespaceOid, 0, object.comment];
    if (object.kind !== "table" && object.kind !== "view" && object.kind !== "sequence") continue;
    if (object.comment !== undefined) yield [object.id, pgClassOid, 0, object.comment];
    if (object.kind !== "table") continue;
    for (const [i, column] of object.columns.entries()) if (column.comment !== undefined) yield [object.id, pgClassOid, i + 1, column.comment];
    if (object.primaryKey?.comment !== undefined) yield [object.primaryKey.id, pgClassOid, 0, object.primaryKey.comment];
    for (const index of object.indexes) if (index.comment !== undefined) yield [index.id, pgClassOid, 0, index.comment];
  }
}

function* descriptionRows({ view }: SystemContext): Iterable<Row> {
  for (const [objoid, classoid, objsubid, description] of descriptions(view)) yield [objoid, classoid, objsubid, description];
}

/** obj_description / col_description: the comment on `oid` (in `catalogName` when given) and sub-object `subId`. */
export function descriptionOf(view: CatalogView, oid: number, catalogName: string, subId: number): string | undefined {
  const classOid = catalogName === "" ? undefined : catalogName === "pg_namespace" ? pgNamespaceOid : catalogName === "pg_class" ? pgClassOid : -1;
  for (const [objoid, classoid, objsubid, description] of descriptions(view)) {
    if (objoid === oid && objsubid === subId && (classOid === undefined || classoid === classOid)) return description;
  }
  return undefined;
}

export function relationByOid(view: CatalogView, oid: number): RelationEntry | undefined {
  const spec = systemTablesById.get(oid);
  if (spec !== undefined) return { oid, name: spec.name, schema: spec.schema, kind: spec.isView ? "v" : "r", system: spec };
  for (const relation of relations(view)) if (relation.oid === oid) return relation;
  return undefined;
}

/** The columns a relation has, as pg_attribute lists them (an index has its key columns). */
function relationColumns(relation: RelationEntry, context: SystemContext): readonly { readonly name: string; readonly typeOid: number; readonly typmod: number; readonly isNotNull: boolean; readonly column?: ColumnDefinition }[] {
  if (relation.table !== undefined) return relation.table.columns.map((c) => ({ name: c.name, typeOid: c.typeOid, typmod: c.typmod, isNotNull: c.isNotNull, column: c }));
  if (relation.index !== undefined) {
    const table = relation.index.table;
    const expressions = relation.index.expressions;
    return relation.index.columns.map((position, i) => {
      const sql = expressions?.[i];
      // An expression element is named after its function, as PostgreSQL names it ("lower"), or "expr".
      if (sql !== null && sql !== undefined) return { name: /^([a-z_][a-z0-9_]*)\(/u.exec(sql)?.[1] ?? "expr", typeOid: bindTableExpr(table, sql).type.oid, typmod: -1, isNotNull: false };
      const c = table.columns[position];
      assert(c !== undefined, "an index column is a column of its table");
      return { name: c.name, typeOid: c.typeOid, typmod: c.typmod, isNotNull: c.isNotNull };
    });
  }
  if (relation.system !== undefined) return relation.system.columns.map(([name, typeOid]) => ({ name, typeOid, typmod: -1, isNotNull: false }));
  // A view's column types are known when its query is bound (the session does that, and caches it).
  if (relation.kind === "v") {
    const object = relation.object;
    const columns = object?.kind === "view" ? context.viewColumns?.(object) : undefined;
    return (columns ?? []).map((c) => ({ ...c, isNotNull: false }));
  }
  return [
    { name: "last_value", typeOid: I8, typmod: -1, isNotNull: true },
    { name: "log_cnt", typeOid: I8, typmod: -1, isNotNull: true },
    { name: "is_called", typeOid: B, typmod: -1, isNotNull: true },
  ];
}

/**
 * A synthetic OID for the `slot`-th constraint or default of table `tableId`; undefined past the
 * limits (a table id beyond ~4 million or `syntheticSlotsMax` slots), when the object gets no row.
 */
export function syntheticOid(tableId: number, slot: number): number | undefined {
  assert(tableId >= 16_384 && slot >= 0, "synthetic OIDs belong to user tables");
  if (slot >= syntheticSlotsMax) return undefined;
  const oid = syntheticOidBase + (tableId - 16_384) * syntheticSlotsMax + slot;
  return oid < 2 ** 32 ? oid : undefined;
}

export function syntheticParts(oid: number): { readonly tableId: number; readonly slot: number } | undefined {
  if (oid < syntheticOidBase) return undefined;
  const offset = oid - syntheticOidBase;
  return { tableId: Math.floor(offset / syntheticSlotsMax) + 16_384, slot: offset % syntheticSlotsMax };
}

/** Constraint slots: check `k` is slot k, foreign key `k` is slot 256 + k. */
export const foreignKeySlotBase = 256;

function referencesTable(view: CatalogView, tableId: number): boolean {
  for (const table of view.tables()) if (table.foreignKeys.some((fk) => fk.refTableId === tableId)) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------
// Types

interface TypeStorage {
  readonly length: number;
  readonly isByValue: boolean;
  readonly align: string;
}


export function typeStorage(oid: number): TypeStorage {
  // An enum value is stored as its label's OID in PostgreSQL: four bytes, by value.
  const length = isEnumOid(oid) ? 4 : typeLength(oid);
  const isByValue = length === 1 || length === 2 || length === 4 || length === 8;
  const align = length === 1 || length === 64 || length === -2 ? "c" : length === 2 ? "s" : length === 8 || length === 16 || length === 12 ? "d" : "i";
  return { length, isByValue: isByValue && oid !== TypeOid.name, align };
}

/** The collation a column of the type gets: `default` for the string types, `C` for name. */
export function typeCollation(oid: number): number {
  const info = typeInfo(oid);
  const base = info?.elementOid ?? oid;
  if (base === TypeOid.name) return cCollationOid;
  return base === TypeOid.text || base === TypeOid.varchar || base === TypeOid.bpchar ? defaultCollationOid : 0;
}

function allTypeOids(): number[] {
  const oids = new Set<number>();
  for (const oid of Object.values(TypeOid)) if (typeInfo(oid) !== undefined) oids.add(oid);
  return [...oids].sort((a, b) => a - b);
}

/** Enum types (typtype e, category E); PostgreSQL also makes an array type for each, which OmniKV-TS does not have (typarray 0). */
function* enumTypeRows(view: CatalogView): Iterable<Row> {
  for (const type of view.enumTypes()) {
    yield [
      type.id, type.name, namespaceOid(view, type.schema), ownerOf(type), 4, true, "e", "E", false, true, ",", 0, "-", 0, 0, "enum_in", "enum_out", "enum_recv", "enum_send",
      "-", "-", "-", "i", "p", false, 0, -1, 0, 0, null, null, type.acl === undefined ? null : aclArray(view, type.acl),
    ];
  }
}

/**
 * pg_enum: one row per label. Labels have no OIDs of their own here; each row's oid is derived
 * from its type's (type × 1000 + position in the list), far above the ids objects are given.
 */
function* enumRows({ view }: SystemContext): Iterable<Row> {
  for (const type of view.enumTypes()) {
    for (const [i, label] of type.labels.entries()) yield [type.id * 1000 + i, type.id, Math.fround(label.sortOrder), label.label];
  }
}

/** Domains (typtype d): storage and category of their base type, with typbasetype/typtypmod/typnotnull/typdefault. */
function* domainTypeRows(view: CatalogView): Iterable<Row> {
  for (const object of view.objects()) {
    if (object.kind !== "domain") continue;
    const base = typeInfo(object.baseOid);
    const storage = base?.category === "A" ? { length: -1, isByValue: false, align: "i" } : typeStorage(object.baseOid);
    const output = base === undefined ? "-" : base.category === "A" ? "array_out" : `${base.name}out`;
    const send = base === undefined ? "-" : base.category === "A" ? "array_send" : `${base.name}send`;
    yield [
      object.id, object.name, namespaceOid(view, object.schema), ownerOf(object), storage.length, storage.isByValue, "d", base?.category ?? "E", false, true, ",", 0, "-", 0, 0,
      "domain_in", output, "domain_recv", send, "-", "-", "-", storage.align, storage.length === -1 ? "x" : "p", object.isNotNull, object.baseOid, object.baseTypmod, 0,
      typeCollation(object.baseOid), null, object.defaultSql ?? null, object.acl === undefined ? null : aclArray(view, object.acl),
    ];
  }
}

function* typeRows({ view }: SystemContext): Iterable<Row> {
  yield* enumTypeRows(view);
  yield* domainTypeRows(view);
  for (const oid of allTypeOids()) {
    const info = typeInfo(oid);
    assert(info !== undefined, "only known types are listed");
    const isArray = info.category === "A";
    const storage = isArray ? { length: -1, isByValue: false, align: typeStorage(info.elementOid ?? 0).align === "d" ? "d" : "i" } : typeStorage(oid);
    yield [
      oid, info.name, pgCatalogOid, ownerOid, storage.length, storage.isByValue, info.category === "P" ? "p" : "b", info.category, info.isPreferred, true, ",", 0,
      isArray ? "array_subscript_handler" : "-", info.elementOid ?? 0, info.arrayOid ?? 0, isArray ? "array_in" : `${info.name}in`,
      isArray ? "array_out" : `${info.name}out`, isArray ? "array_recv" : `${info.name}recv`, isArray ? "array_send" : `${info.name}send`, "-", "-", "-",
      storage.align, storage.length === -1 ? "x" : "p", false, 0, -1, 0, typeCollation(oid), null, null, null,
    ];
  }
}

// ---------------------------------------------------------------------------------------------
// Row producers

function* namespaceRows({ view }: SystemContext): Iterable<Row> {
  yield [pgCatalogOid, "pg_catalog", ownerOid, aclArray(view, [{ grantee: ownerOid, grantor: ownerOid, privileges: "UC", grantOptions: "" }, { grantee: 0, grantor: ownerOid, privileges: "U", grantOptions: "" }])];
  yield [informationSchemaOid, "information_schema", ownerOid, aclArray(view, [{ grantee: ownerOid, grantor: ownerOid, privileges: "UC", grantOptions: "" }, { grantee: 0, grantor: ownerOid, privileges: "U", grantOptions: "" }])];
  for (const object of view.objects()) if (object.kind === "schema") yield [object.id, object.name, ownerOf(object), object.acl === undefined ? null : aclArray(view, object.acl)];
}

/** An ACL as aclitem[] prints (here text[]: `{alice=arwdDxt/bob,=r/bob}`). */
function aclArray(view: CatalogView, acl: readonly AclEntry[]): PgArray<string> {
  return arrayOf(acl.map((entry) => aclItemText(entry, (id) => view.roleById(id)?.name ?? String(id))));
}

/** The owner's id of a relation: a system table's is the bootstrap superuser. */
function relationOwner(r: RelationEntry): number {
  if (r.object !== undefined) return ownerOf(r.object);
  return r.index === undefined ? ownerOid : ownerOf(r.index.table);
}

function* classRows(context: SystemContext): Iterable<Row> {
  const { view } = context;
  for (const r of relations(view)) {
    const columns = relationColumns(r, context);
    const hasIndex = r.table !== undefined && (r.table.primaryKey !== undefined || r.table.indexes.length > 0);
    const hasTriggers = r.table !== undefined && (r.table.foreignKeys.length > 0 || referencesTable(view, r.oid));
    const am = r.kind === "r" ? heapAmOid : r.kind === "i" ? btreeAmOid : 0;
    yield [
      r.oid, r.name, namespaceOid(view, r.schema), 0, 0, relationOwner(r), am, r.system === undefined ? r.oid : 0, 0, 0, -1, 0, 0, hasIndex, false, "p", r.kind,
      columns.length, r.table?.checks.length ?? 0, r.kind === "v", hasTriggers, false, false, false, true, r.kind === "r" || r.kind === "S" ? "d" : "n", false, 0, r.object?.acl === undefined ? null : aclArray(view, r.object.acl), null, null,
    ];
  }
}

function* attributeRows(context: SystemContext): Iterable<Row> {
  const { view } = context;
  for (const r of relations(view)) {
    for (const [i, c] of relationColumns(r, context).entries()) {
      const info = typeInfo(c.typeOid);
      const storage = info?.category === "A" ? { length: -1, isByValue: false, align: "i" } : typeStorage(c.typeOid);
      const column = c.column;
      const identity = column?.identity === "always" ? "a" : column?.identity === "by_default" ? "d" : "";
      yield [
        // A column of a domain shows the domain (its typmod is the domain's typtypmod).
        r.oid, c.name, column?.domain ?? c.typeOid, -1, storage.length, i + 1, info?.category === "A" ? 1 : 0, -1, column?.domain === undefined ? c.typmod : -1, storage.isByValue, storage.align, storage.length === -1 ? "x" : "p", "",
        c.isNotNull, column?.defaultSql !== undefined, column?.missingText !== undefined, identity, "", false, true, 0, typeCollation(c.typeOid), column?.acl === undefined ? null : aclArray(view, column.acl), null, null, column?.missingText ?? null,
      ];
    }
  }
}

function* attrdefRows({ view }: SystemContext): Iterable<Row> {
  for (const table of view.tables()) {
    for (const [i, c] of table.columns.entries()) {
      const oid = syntheticOid(table.id, i + 1);
      if (c.defaultSql !== undefined && oid !== undefined) yield [oid, table.id, i + 1, c.defaultSql];
    }
  }
}

/** An int2vector/oidvector: subscripts start at 0 as in PostgreSQL. */
export function vectorOf<T>(elements: readonly T[]): PgArray<T> {
  if (elements.length === 0) return { dims: [], lowerBounds: [], elements: [] };
  return { dims: [elements.length], lowerBounds: [0], elements: [...elements] };
}

function arrayOf<T>(elements: readonly T[]): PgArray<T> {
  if (elements.length === 0) return { dims: [], lowerBounds: [], elements: [] };
  return { dims: [elements.length], lowerBounds: [1], elements: [...elements] };
}

function* indexRows({ view }: SystemContext): Iterable<Row> {
  for (const r of relations(view)) {
    const index = r.index;
    if (index === undefined) continue;
    // indkey: 0 for an expression element (its expression is in indexprs), as in PostgreSQL.
    const keys = index.columns.map((c) => (c < 0 ? 0 : c + 1));
    const collations = index.columns.map((c) => typeCollation(index.table.columns[c]?.typeOid ?? 0));
    const expressions = index.expressions?.filter((e): e is string => e !== null);
    const options = index.descending.map((d) => (d ? 3 : 0));
    yield [
      r.oid, index.table.id, keys.length, keys.length, index.isUnique, false, index.isPrimary, false, true, false, true, false, true, true, false,
      // indpred: PostgreSQL stores a node tree; clients test it for NULL, and pg_get_indexdef prints it.
      vectorOf(keys), vectorOf(collations), vectorOf(index.columns.map(() => 0)), vectorOf(options), expressions === undefined ? null : expressions.join(", "), index.predicate ?? null,
    ];
  }
}

const actionCodes: Readonly<Record<ReferentialAction, string>> = { no_action: "a", restrict: "r", cascade: "c", set_null: "n", set_default: "d" };

function* constraintRows({ view }: SystemContext): Iterable<Row> {
  for (const table of view.tables()) {
    const ns = namespaceOid(view, table.schema);
    const row = (oid: number, name: string, type: string, indexId: number, keys: readonly number[] | null, extra: { readonly refTable?: number; readonly update?: string; readonly delete?: string; readonly refKeys?: readonly number[]; readonly bin?: string } = {}): Row => [
      oid, name, ns, type, false, false, true, table.id, 0, indexId, 0, extra.refTable ?? 0, extra.update ?? " ", extra.delete ?? " ", extra.refTable === undefined ? " " : "s",
      true, 0, type !== "c", keys === null ? null : arrayOf(keys), extra.refKeys === undefined ? null : arrayOf(extra.refKeys), null, null, null, null, null, extra.bin ?? null,
    ];
    const pk = table.primaryKey;
    if (pk !== undefined) yield row(pk.id, pk.name, "p", pk.id, pk.columns.map((c) => c + 1));
    for (const index of table.indexes) if (index.isConstraint) yield row(index.id, index.name, "u", index.id, index.columns.map((c) => c + 1));
    for (const [k, check] of table.checks.entries()) {
      const oid = syntheticOid(table.id, k);
      if (oid !== undefined) yield row(oid, check.name, "c", 0, null, { bin: check.sql });
    }
    for (const [k, fk] of table.foreignKeys.entries()) {
      const oid = syntheticOid(table.id, foreignKeySlotBase + k);
      if (oid === undefined) continue;
      const refKeys = fk.refColumns.map((c) => c + 1);
      const extra = { refTable: fk.refTableId, update: actionCodes[fk.onUpdate], delete: actionCodes[fk.onDelete], refKeys };
      yield row(oid, fk.name, "f", referencedIndex(view, fk.refTableId, fk.refColumns), fk.columns.map((c) => c + 1), extra);
    }
  }
  yield* domainConstraintRows(view);
}

/** A domain's CHECK constraints (contypid, no conrelid), with OIDs in the domain's synthetic slots. */
function* domainConstraintRows(view: CatalogView): Iterable<Row> {
  for (const object of view.objects()) {
    if (object.kind !== "domain") continue;
    for (const [k, check] of object.checks.entries()) {
      const oid = syntheticOid(object.id, k);
      if (oid === undefined) continue;
      yield [
        oid, check.name, namespaceOid(view, object.schema), "c", false, false, true, 0, object.id, 0, 0, 0, " ", " ", " ", true, 0, false, null, null, null, null, null, null, null, check.sql,
      ];
    }
  }
}

/** The unique index a foreign key's referenced columns match (pg_constraint.conindid). */
function referencedIndex(view: CatalogView, tableId: number, columns: readonly number[]): number {
  const table = view.table(tableId);
  if (table === undefined) return 0;
  const same = (a: readonly number[]): boolean => a.length === columns.length && a.every((c) => columns.includes(c));
  if (table.primaryKey !== undefined && same(table.primaryKey.columns)) return table.primaryKey.id;
  return table.indexes.find((i) => i.isUnique && same(i.columns))?.id ?? 0;
}

/** pg_default_acl: ALTER DEFAULT PRIVILEGES' entries. */
function* defaultAclRows({ view }: SystemContext): Iterable<Row> {
  for (const object of view.objects()) {
    if (object.kind === "default_acl") yield [object.id, object.role, object.schemaId, object.objectType, aclArray(view, object.acl)];
  }
}

function* sequenceRows({ view }: SystemContext): Iterable<Row> {
  for (const object of view.objects()) {
    if (object.kind !== "sequence") continue;
    yield [object.id, object.typeOid, BigInt(object.start), BigInt(object.increment), BigInt(object.max), BigInt(object.min), 1n, object.isCycle];
  }
}

function* procRows(): Iterable<Row> {
  for (const [i, f] of builtinFunctions.entries()) {
    if (f.kind === "operator") continue;
    const volatility = f.volatility === "immutable" ? "i" : f.volatility === "stable" ? "s" : "v";
    yield [
      procOidBase + i, f.name, pgCatalogOid, ownerOid, 12, 1, f.returnsSet === true ? 1000 : 0, f.variadicElementType ?? 0, "-", f.kind === "aggregate" ? "a" : "f",
      false, false, f.isStrict, f.returnsSet === true, volatility, "s", f.argTypes.length, 0, f.returnType, vectorOf(f.argTypes), null, null, null, null, null, f.name, null, null, null, null,
    ];
  }
}

/** pg_operator: the built-in operators, with pg_proc's oids (see `procOidBase`). */
function* operatorRows(): Iterable<Row> {
  for (const [i, f] of builtinFunctions.entries()) {
    if (f.kind !== "operator") continue;
    const isPrefix = f.argTypes.length === 1;
    const [left, right] = isPrefix ? [0, f.argTypes[0] ?? 0] : [f.argTypes[0] ?? 0, f.argTypes[1] ?? 0];
    yield [procOidBase + i, f.name, pgCatalogOid, ownerOid, isPrefix ? "l" : "b", false, false, left, right, f.returnType, 0, 0, 0, 0, 0];
  }
}

/** pg_cast: the built-in casts; a cast without an implementation function is binary-coercible ('b'). */
function* castRows(): Iterable<Row> {
  const contexts = { implicit: "i", assignment: "a", explicit: "e" } as const;
  for (const [i, cast] of builtinCasts.entries()) {
    yield [castOidBase + i, cast.source, cast.target, 0, contexts[cast.context], cast.id === undefined ? "b" : "f"];
  }
}

const castOidBase = 90_000;

/** pg_proc oids: the built-in function's position in the planner's list, from here. */
export const procOidBase = 100_000;

function* settingRows({ settings }: SystemContext): Iterable<Row> {
  for (const [name, value] of settings()) {
    yield [name, value, null, "Ungrouped", "", null, "user", "string", "default", null, null, null, value, value, null, null, false];
  }
}

/** pg_roles: every role, the password masked (pg_authid has it, for superusers only). */
function* roleRows({ view }: SystemContext): Iterable<Row> {
  for (const r of view.roles()) {
    // REPLICATION and BYPASSRLS cannot be granted here; the bootstrap superuser has them, as in PostgreSQL.
    const isBootstrap = r.id === ownerOid;
    yield [r.name, r.isSuperuser, r.isInherit, r.canCreateRole, r.canCreateDb, r.canLogin, isBootstrap, r.connectionLimit, "********", null, isBootstrap, null, r.id];
  }
}

function* authIdRows({ view }: SystemContext): Iterable<Row> {
  for (const r of view.roles()) {
    yield [r.id, r.name, r.isSuperuser, r.isInherit, r.canCreateRole, r.canCreateDb, r.canLogin, r.id === ownerOid, r.id === ownerOid, r.connectionLimit, r.password ?? null, null];
  }
}

function* userRows({ view }: SystemContext): Iterable<Row> {
  for (const r of view.roles()) {
    if (r.canLogin) yield [r.name, r.id, r.canCreateDb, r.isSuperuser, r.id === ownerOid, r.id === ownerOid, "********", null, null];
  }
}

function* authMemberRows({ view }: SystemContext): Iterable<Row> {
  for (const r of view.roles()) for (const m of r.memberOf) yield [m.roleId, r.id, m.grantor, m.isAdmin];
}

function* databaseRows({ view, databaseName }: SystemContext): Iterable<Row> {
  const database = databaseObject(view, databaseName);
  const acl = database.acl === undefined ? null : aclArray(view, database.acl);
  yield [databaseOid, databaseName, ownerOf(database), 6, "c", false, true, -1, 1663, "C", "C", null, null, acl];
}

function* fixedRows(rows: readonly Row[]): Iterable<Row> {
  yield* rows;
}

const none = (): Iterable<Row> => [];

// ---------------------------------------------------------------------------------------------
// information_schema

function* schemataRows({ view, databaseName }: SystemContext): Iterable<Row> {
  const roleName = (id: number): string => view.roleById(id)?.name ?? String(id);
  for (const name of ["pg_catalog", "information_schema"]) yield [databaseName, name, roleName(ownerOid), null, null, null, null];
  for (const o of view.objects()) if (o.kind === "schema") yield [databaseName, o.name, roleName(ownerOf(o)), null, null, null, null];
}

const privilegeNames: Readonly<Record<string, string>> = { a: "INSERT", r: "SELECT", w: "UPDATE", d: "DELETE", D: "TRUNCATE", x: "REFERENCES", t: "TRIGGER" };

/**
 * information_schema.table_privileges: one row per privilege of each aclitem (the default ACL
 * when none is stored) on tables and views, where current_user holds the privileges of the
 * grantor or the grantee, or the grantee is PUBLIC.
 */
function* tablePrivilegeRows(context: SystemContext, isEnabledOnly = false): Iterable<Row> {
  const { view, databaseName } = context;
  const checker = new PrivilegeChecker(view);
  const userId = view.role(context.userName)?.id ?? -1;
  const holds = (roleId: number): boolean => checker.hasPrivilegesOf(userId, roleId);
  const name = (roleId: number): string => (roleId === publicRoleId ? "PUBLIC" : (view.roleById(roleId)?.name ?? String(roleId)));
  for (const object of view.objects()) {
    if (object.kind !== "table" && object.kind !== "view") continue;
    for (const entry of effectiveAcl(object)) {
      const isVisible = holds(entry.grantor) || (entry.grantee !== publicRoleId && holds(entry.grantee)) || (!isEnabledOnly && entry.grantee === publicRoleId);
      if (!isVisible) continue;
      for (const letter of letterList(entry.privileges)) {
        const privilege = privilegeNames[letter];
        if (privilege === undefined) continue;
        // PostgreSQL: grantable when held WITH GRANT OPTION or when the grantee holds the grantor's privileges.
        const isGrantable = entry.grantOptions.includes(letter) || (entry.grantee !== publicRoleId && checker.hasPrivilegesOf(entry.grantee, entry.grantor));
        yield [name(entry.grantor), name(entry.grantee), databaseName, object.schema, object.name, privilege, isGrantable ? "YES" : "NO", privilege === "SELECT" ? "YES" : "NO"];
      }
    }
  }
}

/** information_schema.enabled_roles: the roles whose privileges current_user holds. */
function* enabledRoleRows({ view, userName }: SystemContext): Iterable<Row> {
  const checker = new PrivilegeChecker(view);
  const userId = view.role(userName)?.id ?? -1;
  for (const role of view.roles()) if (checker.hasPrivilegesOf(userId, role.id)) yield [role.name];
}

/** information_schema.applicable_roles: memberships of the enabled roles. */
function* applicableRoleRows({ view, userName }: SystemContext): Iterable<Row> {
  const checker = new PrivilegeChecker(view);
  const userId = view.role(userName)?.id ?? -1;
  for (const member of view.roles()) {
    if (!checker.hasPrivilegesOf(userId, member.id)) continue;
    for (const m of member.memberOf) yield [member.name, view.roleById(m.roleId)?.name ?? String(m.roleId), m.isAdmin ? "YES" : "NO"];
  }
}

function* tablesRows({ view, databaseName }: SystemContext): Iterable<Row> {
  for (const r of relations(view)) {
    if (r.kind !== "r" && r.kind !== "v") continue;
    const isUser = r.system === undefined;
    yield [databaseName, r.schema, r.name, r.kind === "v" ? "VIEW" : "BASE TABLE", null, null, null, null, null, isUser ? "YES" : "NO", "NO", null];
  }
}

/** information_schema.columns' type facts: data_type and the length/precision columns. */
function columnTypeFacts(oid: number, typmod: number): readonly SqlValue[] {
  const info = typeInfo(oid);
  const dataType = info === undefined ? "USER-DEFINED" : info.category === "A" ? "ARRAY" : info.displayName;
  const isString = oid === TypeOid.varchar || oid === TypeOid.bpchar;
  const length = isString && typmod >= 4 ? typmod - 4 : oid === TypeOid.bpchar ? 1 : null;
  const octets = isString || oid === TypeOid.text ? (length === null ? 1_073_741_824 : length * 4) : null;
  const binaryPrecision: Readonly<Record<number, number>> = { [TypeOid.int2]: 16, [TypeOid.int4]: 32, [TypeOid.int8]: 64, [TypeOid.float4]: 24, [TypeOid.float8]: 53 };
  let precision: number | null = binaryPrecision[oid] ?? null;
  let radix: number | null = precision === null ? null : 2;
  let scale: number | null = precision !== null && oid !== TypeOid.float4 && oid !== TypeOid.float8 ? 0 : null;
  if (oid === TypeOid.numeric) {
    radix = 10;
    precision = typmod >= 4 ? ((typmod - 4) >> 16) & 0xffff : null;
    scale = typmod >= 4 ? (typmod - 4) & 0xffff : null;
  }
  const isDatetime = oid === TypeOid.date || oid === TypeOid.time || oid === TypeOid.timetz || oid === TypeOid.timestamp || oid === TypeOid.timestamptz || oid === TypeOid.interval;
  const datetimePrecision = !isDatetime ? null : oid === TypeOid.date ? 0 : typmod >= 0 ? typmod : 6;
  return [dataType, length, octets, precision, radix, scale, datetimePrecision];
}

function* columnsRows(context: SystemContext): Iterable<Row> {
  const { view, databaseName } = context;
  for (const r of relations(view)) {
    if (r.kind !== "r" && r.kind !== "v") continue;
    for (const [i, c] of relationColumns(r, context).entries()) {
      const info = typeInfo(c.typeOid);
      const enumType = view.enumType(c.typeOid);
      const identity = c.column?.identity;
      yield [
        databaseName, r.schema, r.name, c.name, i + 1, c.column?.defaultSql === undefined ? null : expressionDisplay(c.column.defaultSql), c.isNotNull ? "NO" : "YES",
        ...columnTypeFacts(c.typeOid, c.typmod), null, null, null, null, null, null, null, null, null, null, null, databaseName, enumType?.schema ?? "pg_catalog", info?.name ?? enumType?.name ?? String(c.typeOid),
        null, null, null, null, String(i + 1), "NO", identity === undefined ? "NO" : "YES", identity === undefined ? null : identity === "always" ? "ALWAYS" : "BY DEFAULT",
        null, null, null, null, identity === undefined ? null : "NO", "NEVER", null, r.system === undefined ? "YES" : "NO",
      ];
    }
  }
}

interface KeyConstraint {
  readonly table: TableDefinition;
  readonly name: string;
  readonly type: "PRIMARY KEY" | "UNIQUE" | "FOREIGN KEY" | "CHECK";
  readonly columns: readonly number[];
  /** For a foreign key: each column's position in the referenced key (1-based). */
  readonly referencedPositions?: readonly number[];
}

function* keyConstraints(view: CatalogView): Iterable<KeyConstraint> {
  for (const table of view.tables()) {
    if (table.primaryKey !== undefined) yield { table, name: table.primaryKey.name, type: "PRIMARY KEY", columns: table.primaryKey.columns };
    for (const index of table.indexes) if (index.isConstraint) yield { table, name: index.name, type: "UNIQUE", columns: index.columns };
    for (const fk of table.foreignKeys) yield { table, name: fk.name, type: "FOREIGN KEY", columns: fk.columns, referencedPositions: fk.refColumns.map((_, k) => k + 1) };
    for (const check of table.checks) yield { table, name: check.name, type: "CHECK", columns: [] };
  }
}

function* keyColumnUsageRows({ view, databaseName }: SystemContext): Iterable<Row> {
  for (const k of keyConstraints(view)) {
    if (k.type === "CHECK") continue;
    for (const [i, position] of k.columns.entries()) {
      const column = k.table.columns[position];
      assert(column !== undefined, "a key column is a column of its table");
      yield [databaseName, k.table.schema, k.name, databaseName, k.table.schema, k.table.name, column.name, i + 1, k.referencedPositions?.[i] ?? null];
    }
  }
}

function* tableConstraintsRows({ view, databaseName }: SystemContext): Iterable<Row> {
  for (const k of keyConstraints(view)) {
    const nullsDistinct = k.type === "PRIMARY KEY" || k.type === "UNIQUE" ? "YES" : null;
    yield [databaseName, k.table.schema, k.name, databaseName, k.table.schema, k.table.name, k.type, "NO", "NO", "YES", nullsDistinct];
  }
  // PostgreSQL lists each NOT NULL column as a CHECK constraint named <ns>_<table>_<attnum>_not_null.
  for (const table of view.tables()) {
    const ns = namespaceOid(view, table.schema);
    for (const [i, c] of table.columns.entries()) {
      if (c.isNotNull) yield [databaseName, table.schema, `${ns}_${table.id}_${i + 1}_not_null`, databaseName, table.schema, table.name, "CHECK", "NO", "NO", "YES", null];
    }
  }
}

/**
 * A stored expression as pg_get_expr prints it. Sequence defaults are stored as
 * `nextval('name')`; PostgreSQL's argument is a regclass, printed `nextval('name'::regclass)`.
 */
export function expressionDisplay(sql: string): string {
  return sql.replace(/\bnextval\('((?:[^']|'')*)'\)/g, "nextval('$1'::regclass)");
}

// ---------------------------------------------------------------------------------------------
// The tables

const yesOrNo = V;
const identifier = N;
const cardinal = I4;

function systemTable(id: number, name: string, columns: readonly ColumnSpec[], rows: (context: SystemContext) => Iterable<Row> = none, isView = false): SystemTableSpec {
  return { id, schema: "pg_catalog", name, isView, columns, rows };
}

function infoSpec(id: number, name: string, columns: readonly ColumnSpec[], rows: (context: SystemContext) => Iterable<Row>): SystemTableSpec {
  return { id, schema: "information_schema", name, isView: true, columns, rows };
}

const named = (names: string, oid: number): ColumnSpec[] => names.split(" ").map((n) => [n, oid] as const);

const systemTables: readonly SystemTableSpec[] = [
  systemTable(2615, "pg_namespace", [["oid", O], ["nspname", N], ["nspowner", O], ["nspacl", TA]], namespaceRows),
  systemTable(1259, "pg_class", [
    ["oid", O], ["relname", N], ["relnamespace", O], ["reltype", O], ["reloftype", O], ["relowner", O], ["relam", O], ["relfilenode", O], ["reltablespace", O],
    ["relpages", I4], ["reltuples", F4], ["relallvisible", I4], ["reltoastrelid", O], ["relhasindex", B], ["relisshared", B], ["relpersistence", C], ["relkind", C],
    ["relnatts", I2], ["relchecks", I2], ["relhasrules", B], ["relhastriggers", B], ["relhassubclass", B], ["relrowsecurity", B], ["relforcerowsecurity", B],
    ["relispopulated", B], ["relreplident", C], ["relispartition", B], ["relrewrite", O], ["relacl", TA], ["reloptions", TA], ["relpartbound", T],
  ], classRows),
  systemTable(1249, "pg_attribute", [
    ["attrelid", O], ["attname", N], ["atttypid", O], ["attstattarget", I4], ["attlen", I2], ["attnum", I2], ["attndims", I4], ["attcacheoff", I4], ["atttypmod", I4],
    ["attbyval", B], ["attalign", C], ["attstorage", C], ["attcompression", C], ["attnotnull", B], ["atthasdef", B], ["atthasmissing", B], ["attidentity", C],
    ["attgenerated", C], ["attisdropped", B], ["attislocal", B], ["attinhcount", I4], ["attcollation", O], ["attacl", TA], ["attoptions", TA], ["attfdwoptions", TA],
    ["attmissingval", T],
  ], attributeRows),
  systemTable(1247, "pg_type", [
    ["oid", O], ["typname", N], ["typnamespace", O], ["typowner", O], ["typlen", I2], ["typbyval", B], ["typtype", C], ["typcategory", C], ["typispreferred", B],
    ["typisdefined", B], ["typdelim", C], ["typrelid", O], ["typsubscript", N], ["typelem", O], ["typarray", O], ["typinput", N], ["typoutput", N], ["typreceive", N],
    ["typsend", N], ["typmodin", N], ["typmodout", N], ["typanalyze", N], ["typalign", C], ["typstorage", C], ["typnotnull", B], ["typbasetype", O], ["typtypmod", I4],
    ["typndims", I4], ["typcollation", O], ["typdefaultbin", T], ["typdefault", T], ["typacl", TA],
  ], typeRows),
  systemTable(2610, "pg_index", [
    ["indexrelid", O], ["indrelid", O], ["indnatts", I2], ["indnkeyatts", I2], ["indisunique", B], ["indnullsnotdistinct", B], ["indisprimary", B], ["indisexclusion", B],
    ["indimmediate", B], ["indisclustered", B], ["indisvalid", B], ["indcheckxmin", B], ["indisready", B], ["indislive", B], ["indisreplident", B], ["indkey", I2V],
    ["indcollation", OV], ["indclass", OV], ["indoption", I2V], ["indexprs", T], ["indpred", T],
  ], indexRows),
  systemTable(2606, "pg_constraint", [
    ["oid", O], ["conname", N], ["connamespace", O], ["contype", C], ["condeferrable", B], ["condeferred", B], ["convalidated", B], ["conrelid", O], ["contypid", O],
    ["conindid", O], ["conparentid", O], ["confrelid", O], ["confupdtype", C], ["confdeltype", C], ["confmatchtype", C], ["conislocal", B], ["coninhcount", I4],
    ["connoinherit", B], ["conkey", I2A], ["confkey", I2A], ["conpfeqop", OA], ["conppeqop", OA], ["conffeqop", OA], ["confdelsetcols", I2A], ["conexclop", OA], ["conbin", T],
  ], constraintRows),
  systemTable(2604, "pg_attrdef", [["oid", O], ["adrelid", O], ["adnum", I2], ["adbin", T]], attrdefRows),
  systemTable(1262, "pg_database", [
    ["oid", O], ["datname", N], ["datdba", O], ["encoding", I4], ["datlocprovider", C], ["datistemplate", B], ["datallowconn", B], ["datconnlimit", I4],
    ["dattablespace", O], ["datcollate", T], ["datctype", T], ["daticulocale", T], ["datcollversion", T], ["datacl", TA],
  ], databaseRows),
  systemTable(1255, "pg_proc", [
    ["oid", O], ["proname", N], ["pronamespace", O], ["proowner", O], ["prolang", O], ["procost", F4], ["prorows", F4], ["provariadic", O], ["prosupport", N],
    ["prokind", C], ["prosecdef", B], ["proleakproof", B], ["proisstrict", B], ["proretset", B], ["provolatile", C], ["proparallel", C], ["pronargs", I2],
    ["pronargdefaults", I2], ["prorettype", O], ["proargtypes", OV], ["proallargtypes", OA], ["proargmodes", TA], ["proargnames", TA], ["proargdefaults", T],
    ["protrftypes", OA], ["prosrc", T], ["probin", T], ["prosqlbody", T], ["proconfig", TA], ["proacl", TA],
  ], procRows),
  systemTable(2601, "pg_am", [["oid", O], ["amname", N], ["amhandler", N], ["amtype", C]], () => fixedRows([[heapAmOid, "heap", "heap_tableam_handler", "t"], [btreeAmOid, "btree", "bthandler", "i"], [405, "hash", "hashhandler", "i"]])),
  systemTable(2609, "pg_description", [["objoid", O], ["classoid", O], ["objsubid", I4], ["description", T]], descriptionRows),
  systemTable(2396, "pg_shdescription", [["objoid", O], ["classoid", O], ["description", T]]),
  systemTable(2617, "pg_operator", [
    ["oid", O], ["oprname", N], ["oprnamespace", O], ["oprowner", O], ["oprkind", C], ["oprcanmerge", B], ["oprcanhash", B], ["oprleft", O], ["oprright", O],
    // oprcode/oprrest/oprjoin are regproc in PostgreSQL: oids here (0, no pg_proc row), as clients pass them to oid functions.
    ["oprresult", O], ["oprcom", O], ["oprnegate", O], ["oprcode", O], ["oprrest", O], ["oprjoin", O],
  ], operatorRows),
  systemTable(2605, "pg_cast", [["oid", O], ["castsource", O], ["casttarget", O], ["castfunc", O], ["castcontext", C], ["castmethod", C]], castRows),
  systemTable(2612, "pg_language", [["oid", O], ["lanname", N], ["lanowner", O], ["lanispl", B], ["lanpltrusted", B], ["lanplcallfoid", O], ["laninline", O], ["lanvalidator", O], ["lanacl", TA]], () =>
    fixedRows([[12, "internal", ownerOid, false, false, 0, 0, 0, null], [13, "c", ownerOid, false, false, 0, 0, 0, null], [14, "sql", ownerOid, false, true, 0, 0, 0, null]])),
  // Probed by psql and drivers; nothing of these kinds exists here.
  systemTable(2607, "pg_conversion", [["oid", O], ["conname", N], ["connamespace", O], ["conowner", O], ["conforencoding", I4], ["contoencoding", I4], ["conproc", N], ["condefault", B]]),
  systemTable(1417, "pg_foreign_server", [["oid", O], ["srvname", N], ["srvowner", O], ["srvfdw", O], ["srvtype", T], ["srvversion", T], ["srvacl", TA], ["srvoptions", TA]]),
  systemTable(2328, "pg_foreign_data_wrapper", [["oid", O], ["fdwname", N], ["fdwowner", O], ["fdwhandler", O], ["fdwvalidator", O], ["fdwacl", TA], ["fdwoptions", TA]]),
  systemTable(2964, "pg_db_role_setting", [["setdatabase", O], ["setrole", O], ["setconfig", TA]]),
  systemTable(3602, "pg_ts_config", [["oid", O], ["cfgname", N], ["cfgnamespace", O], ["cfgowner", O], ["cfgparser", O]]),
  systemTable(2608, "pg_depend", [["classid", O], ["objid", O], ["objsubid", I4], ["refclassid", O], ["refobjid", O], ["refobjsubid", I4], ["deptype", T]], dependRows),
  systemTable(2611, "pg_inherits", [["inhrelid", O], ["inhparent", O], ["inhseqno", I4], ["inhdetachpending", B]]),
  systemTable(3456, "pg_collation", [
    ["oid", O], ["collname", N], ["collnamespace", O], ["collowner", O], ["collprovider", C], ["collisdeterministic", B], ["collencoding", I4], ["collcollate", T],
    ["collctype", T], ["colliculocale", T], ["collversion", T],
  ], () => fixedRows([
    [defaultCollationOid, "default", pgCatalogOid, ownerOid, "d", true, -1, null, null, null, null],
    [cCollationOid, "C", pgCatalogOid, ownerOid, "c", true, -1, "C", "C", null, null],
    [951, "POSIX", pgCatalogOid, ownerOid, "c", true, -1, "POSIX", "POSIX", null, null],
  ])),
  systemTable(3350, "pg_partitioned_table", [["partrelid", O], ["partstrat", C], ["partnatts", I2], ["partdefid", O], ["partattrs", I2V], ["partclass", OV], ["partcollation", OV], ["partexprs", T]]),
  systemTable(1213, "pg_tablespace", [["oid", O], ["spcname", N], ["spcowner", O], ["spcacl", TA], ["spcoptions", TA]], () => fixedRows([[1663, "pg_default", ownerOid, null, null], [1664, "pg_global", ownerOid, null, null]])),
  systemTable(2224, "pg_sequence", [["seqrelid", O], ["seqtypid", O], ["seqstart", I8], ["seqincrement", I8], ["seqmax", I8], ["seqmin", I8], ["seqcache", I8], ["seqcycle", B]], sequenceRows),
  systemTable(2620, "pg_trigger", [
    ["oid", O], ["tgrelid", O], ["tgparentid", O], ["tgname", N], ["tgfoid", O], ["tgtype", I2], ["tgenabled", C], ["tgisinternal", B], ["tgconstrrelid", O],
    ["tgconstrindid", O], ["tgconstraint", O], ["tgdeferrable", B], ["tginitdeferred", B], ["tgnargs", I2], ["tgattr", I2V], ["tgargs", TypeOid.bytea], ["tgqual", T],
    ["tgoldtable", N], ["tgnewtable", N],
  ]),
  systemTable(2618, "pg_rewrite", [["oid", O], ["rulename", N], ["ev_class", O], ["ev_type", C], ["ev_enabled", C], ["is_instead", B], ["ev_qual", T], ["ev_action", T]]),
  systemTable(3256, "pg_policy", [["oid", O], ["polname", N], ["polrelid", O], ["polcmd", C], ["polpermissive", B], ["polroles", OA], ["polqual", T], ["polwithcheck", T]]),
  systemTable(3381, "pg_statistic_ext", [["oid", O], ["stxrelid", O], ["stxname", N], ["stxnamespace", O], ["stxowner", O], ["stxstattarget", I4], ["stxkeys", I2V], ["stxkind", TA], ["stxexprs", T]]),
  systemTable(6104, "pg_publication", [["oid", O], ["pubname", N], ["pubowner", O], ["puballtables", B], ["pubinsert", B], ["pubupdate", B], ["pubdelete", B], ["pubtruncate", B], ["pubviaroot", B]]),
  systemTable(6106, "pg_publication_rel", [["oid", O], ["prpubid", O], ["prrelid", O], ["prqual", T], ["prattrs", I2V]]),
  systemTable(6237, "pg_publication_namespace", [["oid", O], ["pnpubid", O], ["pnnspid", O]]),
  systemTable(3118, "pg_foreign_table", [["ftrelid", O], ["ftserver", O], ["ftoptions", TA]]),
  // Catalogs of what OmniKV-TS does not have (operator families, text search, transforms,
  // subscriptions, large objects, security labels, initial privileges of extensions): empty, so
  // catalog queries (pg_dump's, psql's) read them as PostgreSQL's would read an empty one.
  // PostgreSQL's regproc columns are oids here, and pg_lsn text.
  systemTable(3394, "pg_init_privs", [["objoid", O], ["classoid", O], ["objsubid", I4], ["privtype", C], ["initprivs", TA]]),
  systemTable(2753, "pg_opfamily", [["oid", O], ["opfmethod", O], ["opfname", N], ["opfnamespace", O], ["opfowner", O]]),
  systemTable(2602, "pg_amop", [
    ["oid", O], ["amopfamily", O], ["amoplefttype", O], ["amoprighttype", O], ["amopstrategy", I2], ["amoppurpose", C], ["amopopr", O], ["amopmethod", O], ["amopsortfamily", O],
  ]),
  systemTable(2603, "pg_amproc", [["oid", O], ["amprocfamily", O], ["amproclefttype", O], ["amprocrighttype", O], ["amprocnum", I2], ["amproc", O]]),
  systemTable(3601, "pg_ts_parser", [["oid", O], ["prsname", N], ["prsnamespace", O], ["prsstart", O], ["prstoken", O], ["prsend", O], ["prsheadline", O], ["prslextype", O]]),
  systemTable(3764, "pg_ts_template", [["oid", O], ["tmplname", N], ["tmplnamespace", O], ["tmplinit", O], ["tmpllexize", O]]),
  systemTable(3600, "pg_ts_dict", [["oid", O], ["dictname", N], ["dictnamespace", O], ["dictowner", O], ["dicttemplate", O], ["dictinitoption", T]]),
  systemTable(3576, "pg_transform", [["oid", O], ["trftype", O], ["trflang", O], ["trffromsql", O], ["trftosql", O]]),
  systemTable(6100, "pg_subscription", [
    ["oid", O], ["subdbid", O], ["subskiplsn", T], ["subname", N], ["subowner", O], ["subenabled", B], ["subbinary", B], ["substream", B], ["subtwophasestate", C],
    ["subdisableonerr", B], ["subconninfo", T], ["subslotname", N], ["subsynccommit", T], ["subpublications", TA],
  ]),
  systemTable(2995, "pg_largeobject_metadata", [["oid", O], ["lomowner", O], ["lomacl", TA]]),
  systemTable(3596, "pg_seclabel", [["objoid", O], ["classoid", O], ["objsubid", I4], ["provider", T], ["label", T]]),
  systemTable(3079, "pg_extension", [["oid", O], ["extname", N], ["extowner", O], ["extnamespace", O], ["extrelocatable", B], ["extversion", T], ["extconfig", OA], ["extcondition", TA]]),
  systemTable(3501, "pg_enum", [["oid", O], ["enumtypid", O], ["enumsortorder", F4], ["enumlabel", N]], enumRows),
  systemTable(3541, "pg_range", [["rngtypid", O], ["rngsubtype", O], ["rngmultitypid", O], ["rngcollation", O], ["rngsubopc", O], ["rngcanonical", N], ["rngsubdiff", N]]),
  systemTable(3466, "pg_event_trigger", [["oid", O], ["evtname", N], ["evtevent", N], ["evtowner", O], ["evtfoid", O], ["evtenabled", C], ["evttags", TA]]),
  systemTable(2616, "pg_opclass", [["oid", O], ["opcmethod", O], ["opcname", N], ["opcnamespace", O], ["opcowner", O], ["opcfamily", O], ["opcintype", O], ["opcdefault", B], ["opckeytype", O]]),
  systemTable(826, "pg_default_acl", [["oid", O], ["defaclrole", O], ["defaclnamespace", O], ["defaclobjtype", C], ["defaclacl", TA]], defaultAclRows),
  systemTable(1261, "pg_auth_members", [["roleid", O], ["member", O], ["grantor", O], ["admin_option", B]], authMemberRows),
  systemTable(1260, "pg_authid", [
    ["oid", O], ["rolname", N], ["rolsuper", B], ["rolinherit", B], ["rolcreaterole", B], ["rolcreatedb", B], ["rolcanlogin", B], ["rolreplication", B],
    ["rolbypassrls", B], ["rolconnlimit", I4], ["rolpassword", T], ["rolvaliduntil", TZ],
  ], authIdRows),
  systemTable(12_001, "pg_roles", [
    ["rolname", N], ["rolsuper", B], ["rolinherit", B], ["rolcreaterole", B], ["rolcreatedb", B], ["rolcanlogin", B], ["rolreplication", B], ["rolconnlimit", I4],
    ["rolpassword", T], ["rolvaliduntil", TZ], ["rolbypassrls", B], ["rolconfig", TA], ["oid", O],
  ], roleRows, true),
  systemTable(12_002, "pg_user", [
    ["usename", N], ["usesysid", O], ["usecreatedb", B], ["usesuper", B], ["userepl", B], ["usebypassrls", B], ["passwd", T], ["valuntil", TZ], ["useconfig", TA],
  ], userRows, true),
  systemTable(12_004, "pg_stat_activity", [
    ["datid", O], ["datname", N], ["pid", I4], ["leader_pid", I4], ["usesysid", O], ["usename", N], ["application_name", T], ["client_addr", T],
    ["client_hostname", T], ["client_port", I4], ["backend_start", TZ], ["xact_start", TZ], ["query_start", TZ], ["state_change", TZ], ["wait_event_type", T],
    ["wait_event", T], ["state", T], ["backend_xid", T], ["backend_xmin", T], ["query_id", I8], ["query", T], ["backend_type", T],
  ], activityRows, true),
  systemTable(12_005, "pg_locks", [
    ["locktype", T], ["database", O], ["relation", O], ["page", I4], ["tuple", I2], ["virtualxid", T], ["transactionid", T], ["classid", O], ["objid", O],
    ["objsubid", I2], ["virtualtransaction", T], ["pid", I4], ["mode", T], ["granted", B], ["fastpath", B], ["waitstart", TZ],
  ], lockRows, true),
  systemTable(12_006, "pg_stat_progress_create_index", [
    ["pid", I4], ["datid", O], ["datname", N], ["relid", O], ["index_relid", O], ["command", T], ["phase", T], ["lockers_total", I8], ["lockers_done", I8],
    ["current_locker_pid", I8], ["blocks_total", I8], ["blocks_done", I8], ["tuples_total", I8], ["tuples_done", I8], ["partitions_total", I8], ["partitions_done", I8],
  ], indexProgressRows, true),
  systemTable(12_007, "pg_seclabels", [
    ["objoid", O], ["classoid", O], ["objsubid", I4], ["objtype", T], ["objnamespace", O], ["objname", T], ["provider", T], ["label", T],
  ], none, true),
  systemTable(12_003, "pg_settings", [
    ...named("name setting unit category short_desc extra_desc context vartype source min_val max_val", T), ["enumvals", TA], ["boot_val", T], ["reset_val", T],
    ["sourcefile", T], ["sourceline", I4], ["pending_restart", B],
  ], settingRows, true),
  infoSpec(13_001, "schemata", [
    ...named("catalog_name schema_name schema_owner default_character_set_catalog default_character_set_schema default_character_set_name", identifier), ["sql_path", V],
  ], schemataRows),
  infoSpec(13_002, "tables", [
    ...named("table_catalog table_schema table_name", identifier), ["table_type", V], ["self_referencing_column_name", identifier], ["reference_generation", V],
    ...named("user_defined_type_catalog user_defined_type_schema user_defined_type_name", identifier), ["is_insertable_into", yesOrNo], ["is_typed", yesOrNo], ["commit_action", V],
  ], tablesRows),
  infoSpec(13_003, "columns", [
    ...named("table_catalog table_schema table_name column_name", identifier), ["ordinal_position", cardinal], ["column_default", V], ["is_nullable", yesOrNo],
    ["data_type", V], ...named("character_maximum_length character_octet_length numeric_precision numeric_precision_radix numeric_scale datetime_precision", cardinal),
    ["interval_type", V], ["interval_precision", cardinal],
    ...named("character_set_catalog character_set_schema character_set_name collation_catalog collation_schema collation_name domain_catalog domain_schema domain_name udt_catalog udt_schema udt_name scope_catalog scope_schema scope_name", identifier),
    ["maximum_cardinality", cardinal], ["dtd_identifier", identifier], ["is_self_referencing", yesOrNo], ["is_identity", yesOrNo], ["identity_generation", V],
    ...named("identity_start identity_increment identity_maximum identity_minimum", V), ["identity_cycle", yesOrNo], ["is_generated", V], ["generation_expression", V],
    ["is_updatable", yesOrNo],
  ], columnsRows),
  infoSpec(13_004, "key_column_usage", [
    ...named("constraint_catalog constraint_schema constraint_name table_catalog table_schema table_name column_name", identifier), ["ordinal_position", cardinal],
    ["position_in_unique_constraint", cardinal],
  ], keyColumnUsageRows),
  infoSpec(13_005, "table_constraints", [
    ...named("constraint_catalog constraint_schema constraint_name table_catalog table_schema table_name", identifier), ["constraint_type", V],
    ...named("is_deferrable initially_deferred enforced nulls_distinct", yesOrNo),
  ], tableConstraintsRows),
  infoSpec(13_006, "table_privileges", [
    ...named("grantor grantee table_catalog table_schema table_name", identifier), ["privilege_type", V], ["is_grantable", yesOrNo], ["with_hierarchy", yesOrNo],
  ], (context) => tablePrivilegeRows(context)),
  infoSpec(13_007, "role_table_grants", [
    ...named("grantor grantee table_catalog table_schema table_name", identifier), ["privilege_type", V], ["is_grantable", yesOrNo], ["with_hierarchy", yesOrNo],
  ], (context) => tablePrivilegeRows(context, true)),
  infoSpec(13_008, "enabled_roles", [["role_name", identifier]], enabledRoleRows),
  infoSpec(13_009, "applicable_roles", [["grantee", identifier], ["role_name", identifier], ["is_grantable", yesOrNo]], applicableRoleRows),
];

const systemTablesById: ReadonlyMap<number, SystemTableSpec> = new Map(systemTables.map((t) => [t.id, t]));
const systemTablesByName: ReadonlyMap<string, SystemTableSpec> = new Map(systemTables.map((t) => [`${t.schema}.${t.name}`, t]));
assert(systemTablesById.size === systemTables.length, "system table ids are distinct");
assert(systemTables.every((t) => t.id < 16_384), "system table ids are below the first user object id");

const catalogTables = new Map<number, CatalogTable>();

/**
 * Whether the system table has PostgreSQL's system column `tableoid` (its own oid in every row):
 * the catalogs proper do, the views over them (pg_roles, pg_settings, information_schema) do not.
 */
function hasTableOid(table: SystemTableSpec): boolean {
  return table.schema === "pg_catalog" && !table.isView && table.id < firstSystemViewOid;
}

/** System views' oids start here (PostgreSQL's catalogs proper have oids below 10,000). */
const firstSystemViewOid = 12_000;

function catalogTableOfSpec(table: SystemTableSpec): CatalogTable {
  const cached = catalogTables.get(table.id);
  if (cached !== undefined) return cached;
  const columns: CatalogColumn[] = table.columns.map(([name, oid]) => ({ name, type: { oid, typmod: -1 }, isNotNull: false }));
  // A system column: named, never in `*`.
  if (hasTableOid(table)) columns.push({ name: "tableoid", type: { oid: O, typmod: -1 }, isNotNull: true, isSystem: true });
  const result: CatalogTable = { id: table.id, schema: table.schema, name: table.name, columns, indexes: [] };
  catalogTables.set(table.id, result);
  return result;
}

/** Whether `schema` holds only system tables (user relations cannot be created there). */
export function isSystemSchema(schema: string): boolean {
  return schema === "pg_catalog" || schema === "information_schema";
}

/**
 * The system table a name refers to, or undefined to look for a user relation. `userHas(schema)`
 * says whether a user relation of this name exists in `schema`: along an explicit search_path it
 * wins over pg_catalog when its schema comes first.
 */
export function resolveSystemTable(schema: string | undefined, name: string, searchPath: readonly string[], userHas: (schema: string) => boolean): CatalogTable | undefined {
  if (schema !== undefined) {
    const table = isSystemSchema(schema) ? systemTablesByName.get(`${schema}.${name}`) : undefined;
    return table === undefined ? undefined : catalogTableOfSpec(table);
  }
  const path = searchPath.includes("pg_catalog") ? searchPath : ["pg_catalog", ...searchPath];
  for (const candidate of path) {
    if (isSystemSchema(candidate)) {
      const table = systemTablesByName.get(`${candidate}.${name}`);
      if (table !== undefined) return catalogTableOfSpec(table);
    } else if (userHas(candidate)) {
      return undefined;
    }
  }
  return undefined;
}

/** The rows of system table `id`, or undefined when `id` is no system table. */
/** pg_stat_progress_create_index: one row per session building an index now. */
function* indexProgressRows(context: SystemContext): Iterable<Row> {
  for (const session of context.activity?.() ?? []) {
    const build = session.indexBuild;
    if (build === undefined) continue;
    yield [
      session.pid, databaseOid, context.databaseName, build.tableId, build.indexId, "CREATE INDEX", build.phase, 0n, 0n, 0n, 0n, 0n,
      BigInt(build.tuplesTotal), BigInt(build.tuplesDone), 0n, 0n,
    ];
  }
}

/** pg_stat_activity: one row per session; a session waiting on a row lock shows wait_event_type Lock. */
function* activityRows(context: SystemContext): Iterable<Row> {
  for (const session of context.activity?.() ?? []) {
    const isWaiting = session.waitsFor.length > 0;
    yield [
      databaseOid, context.databaseName, session.pid, null, session.userId, session.userName, session.applicationName, "127.0.0.1", null, null, session.backendStart,
      session.transactionStart ?? null, session.queryStart ?? null, session.queryStart ?? session.backendStart, isWaiting ? "Lock" : null,
      isWaiting ? "transactionid" : null, session.state, session.transactionId === undefined ? null : String(session.transactionId), null, null, session.query,
      "client backend",
    ];
  }
}

/**
 * pg_locks, as PostgreSQL shows row-lock waits: every transaction holds an ExclusiveLock on its
 * own transaction id, and a waiter asks for a ShareLock on the id of each transaction it waits
 * for (not granted). Row locks themselves are not listed (PostgreSQL keeps them in the rows).
 */
function* lockRows(context: SystemContext): Iterable<Row> {
  for (const session of context.activity?.() ?? []) {
    if (session.transactionId === undefined) continue;
    const virtual = `${session.pid}/${session.transactionId}`;
    yield ["virtualxid", null, null, null, null, virtual, null, null, null, null, virtual, session.pid, "ExclusiveLock", true, true, null];
    yield ["transactionid", null, null, null, null, null, String(session.transactionId), null, null, null, virtual, session.pid, "ExclusiveLock", true, false, null];
    for (const blocker of session.waitsFor) {
      yield ["transactionid", null, null, null, null, null, String(blocker), null, null, null, virtual, session.pid, "ShareLock", false, false, session.queryStart ?? null];
    }
  }
}

export function systemTableRows(id: number, context: SystemContext): Iterable<Row> | undefined {
  const table = systemTablesById.get(id);
  if (table === undefined) return undefined;
  return checkedRows(table, context);
}

function* checkedRows(table: SystemTableSpec, context: SystemContext): Iterable<Row> {
  const tableOid = hasTableOid(table) ? table.id : undefined;
  for (const row of table.rows(context)) {
    assert(row.length === table.columns.length, `a ${table.name} row has one value per column`);
    yield tableOid === undefined ? row : [...row, tableOid];
  }
}

/** A `TableAccess` that serves the system tables and passes every other table to `inner`. */
/**
 * A sequence read as a relation (`SELECT last_value, is_called FROM seq`, as pg_dump and psql's
 * \d do): PostgreSQL's one row of last_value, log_cnt and is_called. log_cnt is 0: values are
 * not pre-logged here. A sequence never called reads its start value, not called.
 */
export function sequenceRelation(definition: SequenceDefinition): CatalogTable {
  const cached = sequenceRelations.get(definition);
  if (cached !== undefined) return cached;
  const columns: CatalogColumn[] = [
    { name: "last_value", type: { oid: TypeOid.int8, typmod: -1 }, isNotNull: true },
    { name: "log_cnt", type: { oid: TypeOid.int8, typmod: -1 }, isNotNull: true },
    { name: "is_called", type: { oid: TypeOid.bool, typmod: -1 }, isNotNull: true },
  ];
  const table: CatalogTable = { id: definition.id, schema: definition.schema, name: definition.name, columns, indexes: [], rowCountEstimate: 1 };
  sequenceRelations.set(definition, table);
  return table;
}

const sequenceRelations = new WeakMap<SequenceDefinition, CatalogTable>();

function sequenceRow(definition: SequenceDefinition, context: SystemContext): Row {
  const state = context.sequenceState?.(definition) ?? { last: BigInt(definition.start), isCalled: false };
  return [state.last, 0n, state.isCalled];
}

export class SystemTableAccess implements TableAccess {
  readonly #inner: TableAccess;
  readonly #context: SystemContext;

  constructor(inner: TableAccess, context: SystemContext) {
    this.#inner = inner;
    this.#context = context;
  }

  scan(table: CatalogTable): Iterable<Row> {
    const sequence = this.#context.view.get(table.id);
    if (sequence?.kind === "sequence") return [sequenceRow(sequence, this.#context)];
    return systemTableRows(table.id, this.#context) ?? this.#inner.scan(table);
  }

  scanIndex(table: CatalogTable, request: IndexScanRequest): Iterable<Row> {
    assert(!systemTablesById.has(table.id), "system tables have no indexes to scan");
    assert(this.#inner.scanIndex !== undefined, "the table access under the system tables scans indexes");
    return this.#inner.scanIndex(table, request);
  }
}
