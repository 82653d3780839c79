/**
 * The catalog's objects as they are stored: plain JSON-serializable records, one per object, kept
 * in the store's system keyspace and changed only inside transactions (see catalog-store.ts).
 * Columns are referred to by position; 64-bit numbers are kept as decimal strings.
 */
import type { TableStatistics } from "@omnikv/planner";

export type ReferentialAction = "no_action" | "restrict" | "cascade" | "set_null" | "set_default";

export interface ColumnDefinition {
  readonly name: string;
  readonly typeOid: number;
  readonly typmod: number;
  readonly isNotNull: boolean;
  /** The DEFAULT expression as SQL text, when there is one. */
  readonly defaultSql?: string;
  /** GENERATED … AS IDENTITY: the sequence that feeds it is `identitySequence`. */
  readonly identity?: "always" | "by_default";
  readonly identitySequence?: number;
  /** Column privileges (pg_attribute.attacl); absent when none were granted. */
  readonly acl?: readonly AclEntry[];
  /**
   * What rows stored before `ALTER TABLE ADD COLUMN` read for this column (PostgreSQL's
   * attmissingval): the default's value then, as text; absent means NULL. Rows are never rewritten.
   */
  readonly missingText?: string;
  /** `COMMENT ON COLUMN`. */
  readonly comment?: string;
  /**
   * A column of a domain: `typeOid`/`typmod` are the domain's base type (values are the base
   * type's), and writes check the domain's constraints (the table keeps a snapshot of it).
   */
  readonly domain?: number;
}

export interface IndexDefinition {
  readonly id: number;
  /** The key prefix of its entries (PostgreSQL's relfilenode); absent: `id` (see `indexStorage`). */
  readonly storage?: number;
  readonly name: string;
  /** Column positions, in key order; -1 for an element that is an expression (see `expressions`). */
  readonly columns: readonly number[];
  /**
   * An expression index's keys (`CREATE INDEX ON t (lower(x))`): per element, the deparsed SQL of
   * its expression over the table's columns, or null for a plain column. Absent: all columns.
   */
  readonly expressions?: readonly (string | null)[];
  /** As declared (kept for pg_get_indexdef); storage is always ascending, NULLS LAST. */
  readonly descending: readonly boolean[];
  readonly isUnique: boolean;
  /** Set when a UNIQUE constraint (rather than CREATE UNIQUE INDEX) made it. */
  readonly isConstraint: boolean;
  /** `COMMENT ON INDEX`. */
  readonly comment?: string;
  /**
   * A partial index's predicate (`CREATE INDEX … WHERE`), deparsed SQL over the table's columns:
   * the index has entries, and a unique index enforces uniqueness, only for rows where it is true.
   */
  readonly predicate?: string;
}

export interface CheckDefinition {
  readonly name: string;
  readonly sql: string;
}

export interface ForeignKeyDefinition {
  readonly name: string;
  readonly columns: readonly number[];
  readonly refTableId: number;
  readonly refColumns: readonly number[];
  readonly onDelete: ReferentialAction;
  readonly onUpdate: ReferentialAction;
}

export interface PrimaryKeyDefinition {
  /** The primary key's index id (its rows are the table's own keyspace). */
  readonly id: number;
  readonly name: string;
  readonly columns: readonly number[];
  /** `COMMENT ON INDEX` of the primary key's index. */
  readonly comment?: string;
}

/**
 * One aclitem (PostgreSQL's `grantee=privs/grantor`): `privileges` and `grantOptions` are
 * privilege letters (`arwdDxt`, `UC`, …); grantee 0 is PUBLIC.
 */
export interface AclEntry {
  readonly grantee: number;
  readonly grantor: number;
  readonly privileges: string;
  readonly grantOptions: string;
}

/**
 * What every owned object carries: its owner's role id (absent in catalogs written before roles
 * existed: the bootstrap superuser, 10) and its ACL (absent: the default privileges, as
 * PostgreSQL's NULL relacl).
 */
export interface Owned {
  readonly owner?: number;
  readonly acl?: readonly AclEntry[];
  /** `COMMENT ON`: the object's description (pg_description, obj_description). */
  readonly comment?: string;
}

export interface TableDefinition extends Owned {
  readonly kind: "table";
  readonly id: number;
  /**
   * The key prefix of its rows (PostgreSQL's relfilenode); absent: `id` (see `tableStorage`).
   * TRUNCATE and the rewrites of ALTER TABLE move a table to a new storage id and leave the old
   * one to the reclaimer, instead of deleting and rewriting rows inside the transaction.
   */
  readonly storage?: number;
  readonly schema: string;
  readonly name: string;
  readonly columns: readonly ColumnDefinition[];
  /** Absent: rows are keyed by a hidden 64-bit row id, visible as the system column `ctid`. */
  readonly primaryKey?: PrimaryKeyDefinition;
  readonly indexes: readonly IndexDefinition[];
  readonly checks: readonly CheckDefinition[];
  readonly foreignKeys: readonly ForeignKeyDefinition[];
  /** Bumped by every change of the column list; each stored row records the version it was written with. */
  readonly schemaVersion: number;
  /**
   * The enum types of its columns as they are now, kept with the table (the catalog refreshes them
   * on every write of the table, and ALTER TYPE rewrites the tables of the type): its stored
   * expressions and defaults bind against them, without the rest of the catalog.
   */
  readonly enumTypes?: readonly EnumTypeSnapshot[];
  /** The same for the domains of its columns: their constraints and defaults apply to its writes. */
  readonly domains?: readonly DomainSnapshot[];
}

export type EnumTypeSnapshot = Pick<EnumTypeDefinition, "id" | "schema" | "name" | "labels">;

export type DomainSnapshot = Pick<DomainDefinition, "id" | "schema" | "name" | "baseOid" | "baseTypmod" | "isNotNull" | "checks" | "defaultSql">;

export interface SequenceDefinition extends Owned {
  readonly kind: "sequence";
  readonly id: number;
  readonly schema: string;
  readonly name: string;
  readonly typeOid: number;
  readonly start: string;
  readonly increment: string;
  readonly min: string;
  readonly max: string;
  readonly isCycle: boolean;
  /** SERIAL and identity columns own their sequence: dropping the table drops it. */
  readonly ownedBy?: { readonly tableId: number; readonly column: string };
}

export interface ViewDefinition extends Owned {
  readonly kind: "view";
  readonly id: number;
  readonly schema: string;
  readonly name: string;
  /** The view's query as SQL text (deparsed), bound wherever the view is used. */
  readonly sql: string;
  /** Output column names (the view's column list, or the query's names at creation). */
  readonly columns: readonly string[];
  /** The tables it reads: dropping one needs CASCADE, which drops the view too. */
  readonly dependsOn: readonly number[];
}

/** One label of an enum type and its position (pg_enum.enumsortorder), which never changes once given. */
export interface EnumLabel {
  readonly label: string;
  readonly sortOrder: number;
}

/**
 * `CREATE TYPE … AS ENUM`: its id is the type's OID. Stored rows hold a value's position and
 * label (encoding/row-codec.ts), so RENAME VALUE rewrites the rows of columns of the type.
 */
export interface EnumTypeDefinition extends Owned {
  readonly kind: "enum_type";
  readonly id: number;
  readonly schema: string;
  readonly name: string;
  /** In sort order. */
  readonly labels: readonly EnumLabel[];
}

/** `CREATE DOMAIN`: its id is the type's OID; its values are its base type's. */
export interface DomainDefinition extends Owned {
  readonly kind: "domain";
  readonly id: number;
  readonly schema: string;
  readonly name: string;
  readonly baseOid: number;
  readonly baseTypmod: number;
  readonly isNotNull: boolean;
  /** The default of columns of the domain without their own, as SQL text. */
  readonly defaultSql?: string;
  /** CHECK constraints over VALUE, as SQL text. */
  readonly checks: readonly CheckDefinition[];
}

export interface SchemaDefinition extends Owned {
  readonly kind: "schema";
  readonly id: number;
  readonly name: string;
}

/** A role's membership in another role (a row of pg_auth_members, kept on the member). */
export interface RoleMembership {
  readonly roleId: number;
  readonly grantor: number;
  readonly isAdmin: boolean;
}

/**
 * A role (pg_authid). `password` is a verifier (`SCRAM-SHA-256$…` or `md5…`), never a password.
 * The bootstrap superuser has id 10, as in PostgreSQL.
 */
export interface RoleDefinition {
  readonly kind: "role";
  readonly id: number;
  readonly name: string;
  readonly isSuperuser: boolean;
  readonly isInherit: boolean;
  readonly canCreateRole: boolean;
  readonly canCreateDb: boolean;
  readonly canLogin: boolean;
  readonly connectionLimit: number;
  readonly password?: string;
  readonly memberOf: readonly RoleMembership[];
}

/**
 * The database's own privileges (pg_database.datacl): one record, id 5 (PostgreSQL's OID of
 * `postgres`), written by the first GRANT/REVOKE ON DATABASE. `name` is the name it was granted
 * under; sessions may name the database differently, and all see the same record.
 */
export interface DatabaseDefinition extends Owned {
  readonly kind: "database";
  readonly id: number;
  readonly name: string;
}

/**
 * ALTER DEFAULT PRIVILEGES (pg_default_acl): the ACL objects of `objectType` (`r` tables and
 * views, `S` sequences, `n` schemas) created by `role` get — in schema `schemaId`, or in any
 * schema when it is 0. A global entry replaces the built-in default; a schema's adds to it.
 */
export interface DefaultAclDefinition {
  readonly kind: "default_acl";
  readonly id: number;
  readonly role: number;
  readonly schemaId: number;
  readonly objectType: "r" | "S" | "n";
  readonly acl: readonly AclEntry[];
}

export type ObjectDefinition =
  | TableDefinition
  | SequenceDefinition
  | ViewDefinition
  | EnumTypeDefinition
  | DomainDefinition
  | SchemaDefinition
  | RoleDefinition
  | DatabaseDefinition
  | DefaultAclDefinition;

/**
 * The key prefix of a table's rows. Storage ids come from the object id counter, so no storage id
 * is ever another object's id or another relation's storage, and none is reused.
 */
export function tableStorage(table: Pick<TableDefinition, "id" | "storage">): number {
  return table.storage ?? table.id;
}

/** The key prefix of an index's entries (see `tableStorage`). */
export function indexStorage(index: Pick<IndexDefinition, "id" | "storage">): number {
  return index.storage ?? index.id;
}

/** Statistics are kept beside the definitions, in memory, and gathered again by ANALYZE. */
export type StatisticsById = ReadonlyMap<number, TableStatistics>;
