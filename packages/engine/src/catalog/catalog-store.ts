/**
 * The catalog in memory: `CatalogState` is the committed catalog (immutable; replaced as a whole
 * when a transaction that changed it commits), `CatalogView` is one transaction's catalog — the
 * committed state under the transaction's own uncommitted changes. DDL writes each changed
 * definition through the transaction too, so it commits or rolls back with the data, atomically.
 */
import { assert } from "@omnikv/base";
import { SerializationFailureError, type Transaction } from "@omnikv/txn";
import { tableStorage, type DomainDefinition, type DomainSnapshot, type EnumTypeDefinition, type EnumTypeSnapshot, type ObjectDefinition, type RoleDefinition, type SchemaDefinition, type SequenceDefinition, type TableDefinition, type ViewDefinition } from "./definitions.ts";
import { catalogKey, nameKey } from "../storage/keys.ts";
import { DuplicateObjectError, DuplicateSchemaError, DuplicateTableError } from "../errors.ts";

/** Role names are claimed in the names keyspace under this pseudo-schema (no schema name is empty-prefixed so). */
const roleNamespace = "\u0001role";
/** Type names are claimed under this prefix and their schema's name: types and relations have separate names. */
const typeNamespacePrefix = "\u0002type ";

/** Every change of any catalog, committed or not, takes a fresh number: plan caches compare them. */
let versionCounter = 0;
export function nextCatalogVersion(): number {
  versionCounter += 1;
  return versionCounter;
}

export type RelationDefinition = TableDefinition | SequenceDefinition | ViewDefinition;

export class CatalogState {
  readonly objects: ReadonlyMap<number, ObjectDefinition>;
  readonly version: number;
  /**
   * Per table created, truncated or rewritten since the database opened: the commit sequence
   * from which its storage holds its rows (`storageSince`).
   */
  readonly #storageSince: ReadonlyMap<number, number>;
  /** Relation ids by schema, then name: a lookup joins no strings (it runs for every name in every statement). */
  readonly #relations = new Map<string, Map<string, number>>();
  readonly #schemas = new Map<string, number>();
  readonly #roles = new Map<string, number>();

  constructor(objects: ReadonlyMap<number, ObjectDefinition>, storageSince: ReadonlyMap<number, number> = new Map()) {
    this.objects = objects;
    this.#storageSince = storageSince;
    this.version = nextCatalogVersion();
    for (const object of objects.values()) {
      if (object.kind === "schema") this.#schemas.set(object.name, object.id);
      else if (object.kind === "role") this.#roles.set(object.name, object.id);
      else if (isRelation(object)) this.#relationsIn(object.schema).set(object.name, object.id);
    }
  }

  roleId(name: string): number | undefined {
    return this.#roles.get(name);
  }

  role(name: string): RoleDefinition | undefined {
    const id = this.#roles.get(name);
    const object = id === undefined ? undefined : this.objects.get(id);
    return object?.kind === "role" ? object : undefined;
  }

  relationId(schema: string, name: string): number | undefined {
    return this.#relations.get(schema)?.get(name);
  }

  #relationsIn(schema: string): Map<string, number> {
    let names = this.#relations.get(schema);
    if (names === undefined) {
      names = new Map();
      this.#relations.set(schema, names);
    }
    return names;
  }

  schemaId(name: string): number | undefined {
    return this.#schemas.get(name);
  }

  /**
   * The commit sequence from which table `id`'s storage holds its rows: a snapshot older than it
   * must not read the table through this catalog. A table moved to new storage (TRUNCATE, a
   * rewrite) holds nothing an older snapshot should see: its old rows are elsewhere, and rows
   * written straight to the store (storage/fresh-range.ts) have older sequences than the commit.
   * A new table counts only when a bulk load filled it so; otherwise its rows carry the commit's
   * sequence, and an older snapshot sees it empty, as in PostgreSQL. 0 for a table whose storage
   * predates the open.
   */
  storageSince(id: number): number {
    return this.#storageSince.get(id) ?? 0;
  }

  /**
   * This state with a transaction's changes applied (undefined: the object was dropped), which
   * committed at `sequence` and loaded the tables `bulkLoaded` straight to the store.
   */
  apply(changes: ReadonlyMap<number, ObjectDefinition | undefined>, sequence: number, bulkLoaded: ReadonlySet<number>): CatalogState {
    const objects = new Map(this.objects);
    let storageSince: Map<number, number> | undefined;
    for (const [id, object] of changes) {
      const previous = this.objects.get(id);
      if (object === undefined) objects.delete(id);
      else objects.set(id, object);
      const isMoved = previous?.kind === "table" && object?.kind === "table" && tableStorage(previous) !== tableStorage(object);
      const isNewStorage = isMoved || (object?.kind === "table" && previous?.kind !== "table" && bulkLoaded.has(id));
      const isGone = object?.kind !== "table" && this.#storageSince.has(id);
      if (!isNewStorage && !isGone) continue;
      storageSince ??= new Map(this.#storageSince);
      if (isNewStorage) storageSince.set(id, sequence);
      else storageSince.delete(id);
    }
    return new CatalogState(objects, storageSince ?? this.#storageSince);
  }
}

function qualified(schema: string, name: string): string {
  return `${schema}\u0000${name}`;
}

export class CatalogView {
  readonly #committed: () => CatalogState;
  readonly #changes = new Map<number, ObjectDefinition | undefined>();
  #ownVersion = 0;

  constructor(committed: () => CatalogState) {
    this.#committed = committed;
  }

  get changes(): ReadonlyMap<number, ObjectDefinition | undefined> {
    return this.#changes;
  }

  get version(): number {
    return this.#changes.size === 0 ? this.#committed().version : this.#ownVersion;
  }

  get(id: number): ObjectDefinition | undefined {
    if (this.#changes.has(id)) return this.#changes.get(id);
    return this.#committed().objects.get(id);
  }

  table(id: number): TableDefinition | undefined {
    const object = this.get(id);
    return object?.kind === "table" ? object : undefined;
  }

  /**
   * `CatalogState.storageSince` of the committed catalog; 0 for a table this transaction changed
   * (its own reads see its storage whole).
   */
  storageSince(id: number): number {
    return this.#changes.has(id) ? 0 : this.#committed().storageSince(id);
  }

  /**
   * 40001 when a read at snapshot `sequence` (undefined: the newest state) would read table `id`
   * in storage that a commit after the snapshot gave it: TRUNCATE or a table rewrite by another
   * transaction. PostgreSQL's reader holds a lock TRUNCATE waits for; here readers take no table
   * locks, and such a read would see the table emptied (or, after a bulk load, part of it).
   */
  assertStorageVisible(id: number, sequence: number | undefined, name: string): void {
    if (sequence === undefined || this.storageSince(id) <= sequence) return;
    throw new SerializationFailureError(`could not serialize access due to concurrent TRUNCATE or rewrite of relation "${name}"`, { hint: "Run the transaction again." });
  }

  *objects(): IterableIterator<ObjectDefinition> {
    for (const [id, object] of this.#committed().objects) if (!this.#changes.has(id)) yield object;
    for (const object of this.#changes.values()) if (object !== undefined) yield object;
  }

  *tables(): IterableIterator<TableDefinition> {
    for (const object of this.objects()) if (object.kind === "table") yield object;
  }

  relation(schema: string, name: string): RelationDefinition | undefined {
    for (const object of this.#changes.values()) {
      if (object !== undefined && isRelation(object) && object.schema === schema && object.name === name) return object;
    }
    const id = this.#committed().relationId(schema, name);
    if (id === undefined || this.#changes.has(id)) return undefined;
    const object = this.#committed().objects.get(id);
    return object === undefined || !isRelation(object) ? undefined : object;
  }

  role(name: string): RoleDefinition | undefined {
    for (const object of this.#changes.values()) if (object?.kind === "role" && object.name === name) return object;
    const id = this.#committed().roleId(name);
    if (id === undefined || this.#changes.has(id)) return undefined;
    const object = this.#committed().objects.get(id);
    return object?.kind === "role" ? object : undefined;
  }

  roleById(id: number): RoleDefinition | undefined {
    const object = this.get(id);
    return object?.kind === "role" ? object : undefined;
  }

  *roles(): IterableIterator<RoleDefinition> {
    for (const object of this.objects()) if (object.kind === "role") yield object;
  }

  schema(name: string): SchemaDefinition | undefined {
    for (const object of this.#changes.values()) if (object?.kind === "schema" && object.name === name) return object;
    const id = this.#committed().schemaId(name);
    if (id === undefined || this.#changes.has(id)) return undefined;
    const object = this.#committed().objects.get(id);
    return object?.kind === "schema" ? object : undefined;
  }

  *enumTypes(): IterableIterator<EnumTypeDefinition> {
    for (const object of this.objects()) if (object.kind === "enum_type") yield object;
  }

  /** The enum type `schema.name`, or `name` along the search path when `schema` is undefined. */
  findEnumType(schema: string | undefined, name: string, searchPath: readonly string[]): EnumTypeDefinition | undefined {
    const schemas = schema === undefined ? searchPath : [schema];
    let found: EnumTypeDefinition | undefined;
    for (const type of this.enumTypes()) {
      if (type.name !== name) continue;
      const rank = schemas.indexOf(type.schema);
      if (rank >= 0 && (found === undefined || rank < schemas.indexOf(found.schema))) found = type;
    }
    return found;
  }

  domain(oid: number): DomainDefinition | undefined {
    const object = this.get(oid);
    return object?.kind === "domain" ? object : undefined;
  }

  /** The user-defined type (enum or domain) `schema.name`, or `name` along the search path. */
  findUserType(schema: string | undefined, name: string, searchPath: readonly string[]): EnumTypeDefinition | DomainDefinition | undefined {
    const schemas = schema === undefined ? searchPath : [schema];
    let found: EnumTypeDefinition | DomainDefinition | undefined;
    for (const object of this.objects()) {
      if ((object.kind !== "enum_type" && object.kind !== "domain") || object.name !== name) continue;
      const rank = schemas.indexOf(object.schema);
      if (rank >= 0 && (found === undefined || rank < schemas.indexOf(found.schema))) found = object;
    }
    return found;
  }

  enumType(oid: number): EnumTypeDefinition | undefined {
    const object = this.get(oid);
    return object?.kind === "enum_type" ? object : undefined;
  }

  /** Along the search path when `schema` is undefined. */
  findRelation(schema: string | undefined, name: string, searchPath: readonly string[]): RelationDefinition | undefined {
    if (schema !== undefined) return this.relation(schema, name);
    for (const candidate of searchPath) {
      const found = this.relation(candidate, name);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /** The table an index (or primary key) named `name` belongs to, with the index's id. */
  findIndex(schema: string | undefined, name: string, searchPath: readonly string[]): { readonly table: TableDefinition; readonly indexId: number } | undefined {
    for (const table of this.tables()) {
      if (schema === undefined ? !searchPath.includes(table.schema) : table.schema !== schema) continue;
      const index = table.indexes.find((i) => i.name === name);
      if (index !== undefined) return { table, indexId: index.id };
      if (table.primaryKey?.name === name) return { table, indexId: table.primaryKey.id };
    }
    return undefined;
  }

  /** Whether a relation (table, sequence or index) named `name` exists in `schema`. */
  isNameTaken(schema: string, name: string): boolean {
    return this.relation(schema, name) !== undefined || this.findIndex(schema, name, []) !== undefined;
  }

  /** ROLLBACK TO SAVEPOINT: the changes as they were at the savepoint (the store's writes are undone by the transaction). */
  restore(changes: ReadonlyMap<number, ObjectDefinition | undefined>): void {
    this.#changes.clear();
    for (const [id, object] of changes) this.#changes.set(id, object);
    this.#ownVersion = nextCatalogVersion();
  }

  /** Creates or replaces `object` in this transaction. */
  async write(txn: Transaction, written: ObjectDefinition): Promise<void> {
    const object = written.kind === "table" ? this.withTypeSnapshots(written) : written;
    const previous = this.get(object.id);
    await this.#lockUnchanged(txn, object.id);
    this.#record(object.id, object);
    await txn.put(catalogKey(object.id), new TextEncoder().encode(JSON.stringify(object)));
    await this.#claimNames(txn, previous, object);
  }

  /**
   * Before this transaction first changes object `id`: takes the object's row lock and checks the
   * object is still the one its change was worked out from — the committed object as this view
   * sees it. Another transaction's change committed meanwhile (the lock waited for it) would be
   * written over: 40001 instead. Table DDL holds the table's lock already; this covers the
   * definition writes that take none (GRANT, COMMENT, RENAME, a CASCADE on a referencing table).
   */
  async #lockUnchanged(txn: Transaction, id: number): Promise<void> {
    if (this.#changes.has(id)) return;
    const base = this.#committed().objects.get(id);
    const stored = await txn.getForUpdate(catalogKey(id));
    const isSame = base === undefined ? stored === undefined : stored !== undefined && new TextDecoder().decode(stored) === JSON.stringify(base);
    if (!isSame) throw new SerializationFailureError("could not serialize access due to concurrent update", { detail: "Another transaction changed the same catalog object." });
  }

  /** The table with snapshots of its columns' enum types and domains as this view has them (see `TableDefinition.enumTypes`, `.domains`). */
  withTypeSnapshots(table: TableDefinition): TableDefinition {
    const { enumTypes: _enums, domains: _domains, ...rest } = table;
    const enumTypes: EnumTypeSnapshot[] = [];
    const domains: DomainSnapshot[] = [];
    const addEnum = (oid: number): void => {
      const type = this.enumType(oid);
      if (type !== undefined && !enumTypes.some((s) => s.id === type.id)) enumTypes.push({ id: type.id, schema: type.schema, name: type.name, labels: type.labels });
    };
    for (const column of table.columns) {
      addEnum(column.typeOid);
      const domain = column.domain === undefined ? undefined : this.domain(column.domain);
      if (domain === undefined || domains.some((d) => d.id === domain.id)) continue;
      const { kind: _kind, owner: _owner, acl: _acl, comment: _comment, ...snapshot } = domain;
      domains.push(snapshot);
    }
    return { ...rest, ...(enumTypes.length === 0 ? {} : { enumTypes }), ...(domains.length === 0 ? {} : { domains }) };
  }

  async remove(txn: Transaction, id: number): Promise<void> {
    const previous = this.get(id);
    assert(previous !== undefined, "only an existing object is removed");
    await this.#lockUnchanged(txn, id);
    this.#record(id, undefined);
    await txn.delete(catalogKey(id));
    await this.#claimNames(txn, previous, undefined);
  }

  #record(id: number, object: ObjectDefinition | undefined): void {
    this.#changes.set(id, object);
    this.#ownVersion = nextCatalogVersion();
  }

  /**
   * Writes a key per relation and index name: two transactions creating the same name write the
   * same key, and the transaction layer makes the second wait and then fail or see the first.
   */
  async #claimNames(txn: Transaction, previous: ObjectDefinition | undefined, next: ObjectDefinition | undefined): Promise<void> {
    const before = namesOf(previous);
    const after = namesOf(next);
    for (const key of before) if (!after.includes(key)) await txn.delete(nameKey(...splitName(key)));
    for (const key of after) {
      if (before.includes(key)) continue;
      const [schema, name] = splitName(key);
      // Read with the lock held: a concurrent creator of this name that committed first is seen here.
      if ((await txn.getForUpdate(nameKey(schema, name))) !== undefined) {
        if (schema === roleNamespace) throw new DuplicateObjectError(`role "${name}" already exists`);
        if (schema.startsWith(typeNamespacePrefix)) throw new DuplicateObjectError(`type "${name}" already exists`);
        throw schema === "" ? new DuplicateSchemaError(`schema "${name}" already exists`) : new DuplicateTableError(`relation "${name}" already exists`);
      }
      await txn.put(nameKey(schema, name), new Uint8Array([1]));
    }
  }
}

/** Tables, views and sequences: the objects with a schema and a name in it. */
export function isRelation(object: ObjectDefinition): object is RelationDefinition {
  return object.kind === "table" || object.kind === "view" || object.kind === "sequence";
}

function namesOf(object: ObjectDefinition | undefined): string[] {
  if (object === undefined || object.kind === "database" || object.kind === "default_acl") return [];
  if (object.kind === "schema") return [qualified("", object.name)];
  if (object.kind === "role") return [qualified(roleNamespace, object.name)];
  if (object.kind === "enum_type" || object.kind === "domain") return [qualified(`${typeNamespacePrefix}${object.schema}`, object.name)];
  if (object.kind === "sequence" || object.kind === "view") return [qualified(object.schema, object.name)];
  const names = [object.name, ...object.indexes.map((i) => i.name)];
  if (object.primaryKey !== undefined) names.push(object.primaryKey.name);
  return names.map((name) => qualified(object.schema, name));
}

function splitName(key: string): [string, string] {
  const at = key.indexOf("\u0000");
  return [key.slice(0, at), key.slice(at + 1)];
}
