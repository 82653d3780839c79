/**
 * The executor's `CatalogFunctions` over a transaction's `CatalogView`: what `pg_get_indexdef`,
 * `pg_get_constraintdef`, `pg_table_is_visible`, `::regclass` and their kin read. Definitions
 * print as PostgreSQL 15 prints them for the same objects (`CREATE UNIQUE INDEX users_pkey ON
 * public.users USING btree (id)`, `FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE
 * CASCADE`); stored expressions are the SQL text the parser's deparser wrote at CREATE time,
 * which may differ from PostgreSQL's deparsing in parentheses and casts.
 *
 * OIDs are those of system-tables.ts: user objects by id, constraints without an id of their
 * own by `syntheticOid`.
 */
import { formatType, type CatalogFunctions } from "@omnikv/executor";
import { UndefinedColumnError, UndefinedTableError, builtinFunctions } from "@omnikv/planner";
import { UndefinedObjectError } from "@omnikv/base";
import { TokenType, tokenize } from "@omnikv/parser";
import { InvalidSchemaNameError } from "../errors.ts";
import { PrivilegeChecker, databaseObject, privilegeLetter, type OwnedObject } from "./privileges.ts";
import { isRelation, type CatalogView } from "./catalog-store.ts";
import { indexStorage, tableStorage, type ReferentialAction, type TableDefinition } from "./definitions.ts";
import { relationEnd, relationPrefix } from "../storage/keys.ts";
import {
  descriptionOf,
  procOidBase,
  expressionDisplay,
  foreignKeySlotBase,
  isSystemSchema,
  namespaceOid,
  relationByOid,
  resolveSystemTable,
  syntheticParts,
  type RelationEntry,
} from "./system-tables.ts";

/** Words PostgreSQL's quote_ident quotes (its reserved and type-function-name keywords that tables and columns commonly hit). */
const reservedWords: ReadonlySet<string> = new Set(
  ("all analyse analyze and any array as asc asymmetric authorization binary both case cast check collate collation column concurrently constraint create " +
    "cross current_catalog current_date current_role current_schema current_time current_timestamp current_user default deferrable desc distinct do else end " +
    "except false fetch for foreign freeze from full grant group having ilike in initially inner intersect into is isnull join lateral leading left like limit " +
    "localtime localtimestamp natural not notnull null offset on only or order outer overlaps placing primary references returning right select session_user " +
    "similar some symmetric system_user table tablesample then to trailing true union unique user using variadic verbose when where window with").split(" "),
);

/**
 * A domain CHECK's SQL as PostgreSQL prints it: its `value` references as the keyword `VALUE`
 * (the stored SQL spells them as a lower-case identifier; string literals are left alone).
 */
function withValueKeyword(sql: string): string {
  let out = "";
  let at = 0;
  for (const token of tokenize(sql)) {
    if (token.type === TokenType.Word && token.text === "value" && sql.slice(token.pos, token.pos + 5).toLowerCase() === "value") {
      out += `${sql.slice(at, token.pos)}VALUE`;
      at = token.pos + 5;
    }
  }
  return out + sql.slice(at);
}

export function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) && !reservedWords.has(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

/** `a.b` / `"A".b` → its parts, unquoted names folded to lowercase as PostgreSQL folds them. */
export function splitQualifiedName(text: string): string[] {
  const parts: string[] = [];
  let current = "";
  let isQuoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] ?? "";
    if (isQuoted) {
      if (ch === '"' && text[i + 1] === '"') {
        current += '"';
        i++;
      } else if (ch === '"') isQuoted = false;
      else current += ch;
    } else if (ch === '"') isQuoted = true;
    else if (ch === ".") {
      parts.push(current);
      current = "";
    } else current += ch.toLowerCase();
  }
  parts.push(current);
  return parts.map((p) => p.trim());
}

const actionText: Readonly<Record<ReferentialAction, string>> = { no_action: "NO ACTION", restrict: "RESTRICT", cascade: "CASCADE", set_null: "SET NULL", set_default: "SET DEFAULT" };

/** Reads the store's entries in [gte, lt) as the statement sees them. */
export type KeyRangeScan = (gte: Uint8Array, lt: Uint8Array | undefined) => Iterable<readonly [Uint8Array, Uint8Array]>;

export class ViewCatalogFunctions implements CatalogFunctions {
  readonly #view: CatalogView;
  readonly #searchPath: readonly string[];
  readonly #userName: string;

  readonly #scan: KeyRangeScan | undefined;

  /** `scan` reads store ranges for the size functions (absent: they return NULL). */
  constructor(view: CatalogView, searchPath: readonly string[], userName: string, scan?: KeyRangeScan) {
    this.#view = view;
    this.#searchPath = searchPath;
    this.#userName = userName;
    this.#scan = scan;
  }

  /**
   * The logical bytes (keys and values, as the statement sees them) of a table's rows or an
   * index's entries: an LSM store has no pages to count, so this scans the relation. A primary
   * key is the table's own keyspace and has no bytes of its own; views and sequences have none.
   */
  relationSize(oid: number, part: "main" | "indexes" | "total"): bigint | undefined {
    const relation = relationByOid(this.#view, oid);
    if (relation === undefined) return undefined;
    const bytesOf = (storage: number): bigint => this.#rangeBytes(relationPrefix(storage), relationEnd(storage));
    const table = relation.table;
    if (table === undefined) {
      const index = relation.index;
      if (index === undefined || index.isPrimary || part === "indexes") return 0n;
      const definition = index.table.indexes.find((i) => i.id === oid);
      return definition === undefined ? 0n : bytesOf(indexStorage(definition));
    }
    const indexes = table.indexes.reduce((sum, index) => sum + bytesOf(indexStorage(index)), 0n);
    if (part === "indexes") return indexes;
    const main = bytesOf(tableStorage(table));
    return part === "main" ? main : main + indexes;
  }

  /** The view's query, as PostgreSQL prints it: a SELECT ending in a semicolon (its own layout, not PostgreSQL's). */
  viewDefinition(oid: number): string | undefined {
    const object = this.#view.get(oid);
    return object?.kind === "view" ? ` ${object.sql};` : undefined;
  }

  functionSignature(oid: number): { readonly result: string; readonly arguments: string } | undefined {
    const signature = builtinFunctions[oid - procOidBase];
    if (signature === undefined || signature.kind === "operator") return undefined;
    const typeText = (typeOid: number): string => formatType(typeOid, -1);
    const args = signature.argTypes.map((argType, i) => (signature.variadicElementType !== undefined && i === signature.argTypes.length - 1 ? `VARIADIC ${typeText(argType)}` : typeText(argType)));
    return { result: `${signature.returnsSet === true ? "SETOF " : ""}${typeText(signature.returnType)}`, arguments: args.join(", ") };
  }

  databaseSize(): bigint {
    return this.#rangeBytes(new Uint8Array(0), undefined);
  }

  #rangeBytes(gte: Uint8Array, lt: Uint8Array | undefined): bigint {
    if (this.#scan === undefined) return 0n;
    let total = 0;
    for (const [key, value] of this.#scan(gte, lt)) total += key.length + value.length;
    return BigInt(total);
  }

  userName(oid: number): string | undefined {
    return this.#view.roleById(oid)?.name;
  }

  #roleId(name: string | undefined): number {
    const roleName = name ?? this.#userName;
    const role = this.#view.role(roleName);
    if (role === undefined) throw new UndefinedObjectError(`role "${roleName}" does not exist`);
    return role.id;
  }

  hasPrivilege(objectClass: "table" | "sequence" | "schema" | "database", role: string | undefined, object: string | number, privilege: string): boolean {
    const roleId = this.#roleId(role);
    const target = this.#privilegeTarget(objectClass, object);
    // A system catalog: PUBLIC may read it (pg_authid excepted), as in PostgreSQL.
    if (target === undefined) return new PrivilegeChecker(this.#view).isSuperuser(roleId) || (privilegeLetter(privilege.split(",")[0] ?? "") === "r" && object !== "pg_authid");
    const checker = new PrivilegeChecker(this.#view);
    return privilege.split(",").some((name) => checker.has(roleId, target, privilegeLetter(name), /with\s+grant\s+option/i.test(name)));
  }

  #privilegeTarget(objectClass: "table" | "sequence" | "schema" | "database", object: string | number): OwnedObject | undefined {
    // One database, under whatever name the session uses.
    if (objectClass === "database") return databaseObject(this.#view, String(object));
    if (objectClass === "schema") {
      const schema = typeof object === "number" ? this.#view.get(object) : this.#view.schema(object);
      if (schema?.kind !== "schema") throw new InvalidSchemaNameError(`schema "${String(object)}" does not exist`);
      return schema;
    }
    const oid = typeof object === "number" ? object : this.relationOid(object);
    const relation = this.#view.get(oid);
    if (relation === undefined || !isRelation(relation)) return undefined;
    return relation;
  }

  hasColumnPrivilege(role: string | undefined, table: string, column: string, privilege: string): boolean {
    const roleId = this.#roleId(role);
    const relation = this.#privilegeTarget("table", table);
    if (relation === undefined) return this.hasPrivilege("table", role, table, privilege);
    const columns = relation.kind === "table" ? relation.columns : [];
    const definition = columns.find((c) => c.name === column);
    if (definition === undefined && relation.kind === "table") throw new UndefinedColumnError(`column "${column}" of relation "${relation.name}" does not exist`);
    const checker = new PrivilegeChecker(this.#view);
    return privilege.split(",").some((name) => {
      const letter = privilegeLetter(name);
      return definition === undefined ? checker.has(roleId, relation, letter) : checker.hasColumn(roleId, relation, definition, letter);
    });
  }

  hasRole(role: string | undefined, target: string, mode: string): boolean {
    const roleId = this.#roleId(role);
    const targetId = this.#roleId(target);
    const checker = new PrivilegeChecker(this.#view);
    if (mode.trim().toLowerCase().startsWith("usage")) return checker.hasPrivilegesOf(roleId, targetId);
    return checker.isSuperuser(roleId) || checker.isMemberOf(roleId, targetId);
  }

  /** The schemas searched for an unqualified name: pg_catalog first unless the path names it. */
  #path(): readonly string[] {
    return this.#searchPath.includes("pg_catalog") ? this.#searchPath : ["pg_catalog", ...this.#searchPath];
  }

  #holdsName(schema: string, name: string): boolean {
    if (isSystemSchema(schema)) return resolveSystemTable(schema, name, [], () => false) !== undefined;
    return this.#view.isNameTaken(schema, name);
  }

  isTableVisible(oid: number): boolean {
    const relation = relationByOid(this.#view, oid);
    if (relation === undefined) return false;
    const first = this.#path().find((schema) => this.#holdsName(schema, relation.name));
    return first === relation.schema;
  }

  #displayName(relation: { readonly schema: string; readonly name: string; readonly oid: number }): string {
    return this.isTableVisible(relation.oid) ? quoteIdent(relation.name) : `${quoteIdent(relation.schema)}.${quoteIdent(relation.name)}`;
  }

  indexDefinition(oid: number, column: number, isPretty: boolean): string | undefined {
    const relation = relationByOid(this.#view, oid);
    const index = relation?.index;
    if (relation === undefined || index === undefined) return undefined;
    // An expression element prints parenthesized unless it is a function call, as PostgreSQL prints it.
    const element = (c: number, i: number): string => {
      const sql = index.expressions?.[i];
      if (sql === null || sql === undefined) return quoteIdent(index.table.columns[c]?.name ?? "?");
      return /^[a-z_][a-z0-9_]*\(.*\)$/u.test(sql) ? sql : `(${sql})`;
    };
    const names = index.columns.map((c, i) => `${element(c, i)}${index.descending[i] === true ? " DESC" : ""}`);
    if (column > 0) return names[column - 1] ?? "";
    // Pretty output names the table without its schema when the search path finds it (PRETTYFLAG_SCHEMA).
    const table = isPretty ? this.#displayName({ schema: index.table.schema, name: index.table.name, oid: index.table.id }) : `${quoteIdent(index.table.schema)}.${quoteIdent(index.table.name)}`;
    const where = index.predicate === undefined ? "" : isPretty ? ` WHERE ${index.predicate}` : ` WHERE (${index.predicate})`;
    return `CREATE ${index.isUnique ? "UNIQUE " : ""}INDEX ${quoteIdent(relation.name)} ON ${table} USING btree (${names.join(", ")})${where}`;
  }

  #columnList(table: TableDefinition, columns: readonly number[]): string {
    return columns.map((c) => quoteIdent(table.columns[c]?.name ?? "?")).join(", ");
  }

  constraintDefinition(oid: number, isPretty: boolean): string | undefined {
    const synthetic = syntheticParts(oid);
    if (synthetic !== undefined) return this.#syntheticConstraint(synthetic.tableId, synthetic.slot, isPretty);
    const relation: RelationEntry | undefined = relationByOid(this.#view, oid);
    const index = relation?.index;
    if (index === undefined || !index.isConstraint) return undefined;
    return `${index.isPrimary ? "PRIMARY KEY" : "UNIQUE"} (${this.#columnList(index.table, index.columns)})`;
  }

  #syntheticConstraint(tableId: number, slot: number, isPretty: boolean): string | undefined {
    const domain = this.#view.domain(tableId);
    if (domain !== undefined) {
      const check = domain.checks[slot];
      if (check === undefined) return undefined;
      const sql = withValueKeyword(check.sql);
      return isPretty ? `CHECK (${sql})` : `CHECK ((${sql}))`;
    }
    const table = this.#view.table(tableId);
    if (table === undefined) return undefined;
    if (slot < foreignKeySlotBase) {
      const check = table.checks[slot];
      return check === undefined ? undefined : isPretty ? `CHECK (${check.sql})` : `CHECK ((${check.sql}))`;
    }
    const fk = table.foreignKeys[slot - foreignKeySlotBase];
    const referenced = fk === undefined ? undefined : this.#view.table(fk.refTableId);
    if (fk === undefined || referenced === undefined) return undefined;
    let text = `FOREIGN KEY (${this.#columnList(table, fk.columns)}) REFERENCES ${this.#displayName({ ...referenced, oid: referenced.id })}(${this.#columnList(referenced, fk.refColumns)})`;
    if (fk.onUpdate !== "no_action") text += ` ON UPDATE ${actionText[fk.onUpdate]}`;
    if (fk.onDelete !== "no_action") text += ` ON DELETE ${actionText[fk.onDelete]}`;
    return text;
  }

  expressionText(expression: string, relationOid: number, isPretty: boolean): string {
    void relationOid;
    void isPretty;
    return expressionDisplay(expression);
  }

  description(oid: number, catalogName: string, subId: number): string | undefined {
    return descriptionOf(this.#view, oid, catalogName, subId);
  }

  relationOid(name: string): number {
    if (/^\s*[0-9]+\s*$/.test(name)) return Number(name);
    const parts = splitQualifiedName(name);
    const relationName = parts.at(-1) ?? "";
    const schema = parts.length > 1 ? parts.at(-2) : undefined;
    const system = resolveSystemTable(schema, relationName, this.#searchPath, (s) => this.#view.isNameTaken(s, relationName));
    if (system !== undefined) return system.id;
    const relation = this.#view.findRelation(schema, relationName, this.#searchPath);
    if (relation !== undefined) return relation.id;
    const index = this.#view.findIndex(schema, relationName, this.#searchPath);
    if (index !== undefined) return index.indexId;
    throw new UndefinedTableError(`relation "${name}" does not exist`);
  }

  relationName(oid: number): string {
    if (oid === 0) return "-";
    const relation = relationByOid(this.#view, oid);
    return relation === undefined ? String(oid) : this.#displayName(relation);
  }

  namespaceOid(name: string): number {
    if (/^\s*[0-9]+\s*$/.test(name)) return Number(name);
    const schema = splitQualifiedName(name)[0] ?? "";
    const oid = namespaceOid(this.#view, schema);
    if (oid === 0) throw new InvalidSchemaNameError(`schema "${name}" does not exist`);
    return oid;
  }

  namespaceName(oid: number): string {
    if (oid === namespaceOid(this.#view, "pg_catalog")) return "pg_catalog";
    if (oid === namespaceOid(this.#view, "information_schema")) return "information_schema";
    const schema = this.#view.get(oid);
    return schema?.kind === "schema" ? quoteIdent(schema.name) : String(oid);
  }

  serialSequence(table: string, column: string): string | undefined {
    const oid = this.relationOid(table);
    const definition = this.#view.table(oid);
    const columnDefinition = definition?.columns.find((c) => c.name === column);
    if (definition === undefined || columnDefinition === undefined) return undefined;
    const identity = columnDefinition.identitySequence === undefined ? undefined : this.#view.get(columnDefinition.identitySequence);
    if (identity?.kind === "sequence") return `${quoteIdent(identity.schema)}.${quoteIdent(identity.name)}`;
    const match = /^nextval\('((?:[^']|'')*)'\)$/.exec(columnDefinition.defaultSql ?? "");
    if (match === null) return undefined;
    const parts = splitQualifiedName((match[1] ?? "").replaceAll("''", "'"));
    const sequence = this.#view.findRelation(parts.length > 1 ? parts[0] : undefined, parts.at(-1) ?? "", [definition.schema, ...this.#searchPath]);
    return sequence === undefined ? undefined : `${quoteIdent(sequence.schema)}.${quoteIdent(sequence.name)}`;
  }
}
