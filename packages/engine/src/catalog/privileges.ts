/**
 * Roles and privileges as PostgreSQL 15 keeps them: every table, view, sequence and schema has an
 * owner and an ACL (a list of aclitems `grantee=privileges/grantor`, grantee 0 being PUBLIC);
 * an absent ACL means the default one (the owner holds everything). A role holds the privileges
 * granted to itself, to PUBLIC, and to every role it is a member of through INHERIT roles;
 * superusers pass every check. Checks fail with 42501 and PostgreSQL's messages.
 *
 * Privilege letters (PostgreSQL's, in its output order): a INSERT, r SELECT, w UPDATE, d DELETE,
 * D TRUNCATE, x REFERENCES, t TRIGGER, U USAGE, C CREATE.
 */
import { DbError, InvalidParameterValueError, SqlState, assert } from "@omnikv/base";
import type { CatalogView } from "./catalog-store.ts";
import type { AclEntry, DatabaseDefinition, DefaultAclDefinition, ObjectDefinition, RoleDefinition, SchemaDefinition } from "./definitions.ts";
import { InsufficientPrivilegeError } from "../errors.ts";

/** The bootstrap superuser's id (PostgreSQL's BOOTSTRAP_SUPERUSERID). */
export const bootstrapRoleId = 10;
/** The grantee id of PUBLIC in an ACL. */
export const publicRoleId = 0;

const letterOrder = "arwdDxtXUCTc";
const letterOf: Readonly<Record<string, string>> = {
  insert: "a",
  select: "r",
  update: "w",
  delete: "d",
  truncate: "D",
  references: "x",
  trigger: "t",
  usage: "U",
  create: "C",
  temporary: "T",
  temp: "T",
  connect: "c",
};

export type OwnedObject = Exclude<ObjectDefinition, RoleDefinition | DefaultAclDefinition>;

/** Objects with an owner and an ACL (everything but roles and default-privilege entries). */
export function isOwned(object: ObjectDefinition): object is OwnedObject {
  return object.kind !== "role" && object.kind !== "default_acl";
}
export type ObjectClass = "table" | "sequence" | "schema" | "database";

/** The privileges an object class has (ALL PRIVILEGES). */
export function allPrivileges(objectClass: ObjectClass): string {
  if (objectClass === "database") return "CTc";
  if (objectClass === "schema") return "UC";
  if (objectClass === "sequence") return "rwU";
  return "arwdDxt";
}

export function classOf(object: OwnedObject): ObjectClass {
  if (object.kind === "database") return "database";
  if (object.kind === "schema") return "schema";
  if (object.kind === "sequence") return "sequence";
  return "table";
}

/** The word PostgreSQL's messages use for the object: table, view, sequence, schema. */
export function objectWord(object: OwnedObject): string {
  return object.kind;
}

export function ownerOf(object: OwnedObject): number {
  return object.owner ?? bootstrapRoleId;
}

/** The ACL in effect: the stored one, or PostgreSQL's default (acldefault). */
export function effectiveAcl(object: OwnedObject): readonly AclEntry[] {
  if (object.acl !== undefined) return object.acl;
  const owner = ownerOf(object);
  const ownerEntry = { grantee: owner, grantor: owner, privileges: allPrivileges(classOf(object)), grantOptions: "" };
  // A database's default also lets PUBLIC connect and create temporary tables.
  if (object.kind === "database") return [{ grantee: publicRoleId, grantor: owner, privileges: "Tc", grantOptions: "" }, ownerEntry];
  return [ownerEntry];
}

/** The database's privilege record: the stored one, or the default (owned by the bootstrap superuser). */
export function databaseObject(view: CatalogView, name: string): DatabaseDefinition {
  const stored = view.get(databaseId);
  return stored?.kind === "database" ? { ...stored, name } : { kind: "database", id: databaseId, name };
}

/** pg_database's OID of the one database. */
export const databaseId = 5;

/** The pg_default_acl object type of a new object's class. */
export function defaultAclType(objectClass: ObjectClass): "r" | "S" | "n" | undefined {
  if (objectClass === "table") return "r";
  if (objectClass === "sequence") return "S";
  if (objectClass === "schema") return "n";
  return undefined;
}

/**
 * The ACL a new object of `owner` in schema `schemaId` starts with (PostgreSQL's
 * get_user_default_acl): the owner's global default entry (or the built-in default) merged with
 * its entry for the schema, sorted; undefined (NULL, the built-in default) when that is all.
 */
export function initialAcl(view: CatalogView, owner: number, schemaId: number, objectClass: ObjectClass): AclEntry[] | undefined {
  const type = defaultAclType(objectClass);
  const entries = [...view.objects()].filter((o): o is DefaultAclDefinition => o.kind === "default_acl" && o.role === owner && o.objectType === type);
  const global = entries.find((e) => e.schemaId === 0);
  const local = schemaId === 0 ? undefined : entries.find((e) => e.schemaId === schemaId);
  if (global === undefined && local === undefined) return undefined;
  const builtin = [{ grantee: owner, grantor: owner, privileges: allPrivileges(objectClass), grantOptions: "" }];
  let acl: AclEntry[] = [...(global?.acl ?? builtin)];
  for (const entry of local?.acl ?? []) {
    acl = grantAcl(acl, { grantee: entry.grantee, grantor: entry.grantor, letters: entry.privileges, withGrantOption: false });
    if (entry.grantOptions !== "") acl = grantAcl(acl, { grantee: entry.grantee, grantor: entry.grantor, letters: entry.grantOptions, withGrantOption: true });
  }
  const sorted = sortAcl(acl);
  return aclEquals(sorted, builtin) ? undefined : sorted;
}

/** PostgreSQL's aclitemsort order: by grantee, then grantor (PUBLIC, id 0, first). */
export function sortAcl(acl: readonly AclEntry[]): AclEntry[] {
  return [...acl].sort((a, b) => a.grantee - b.grantee || a.grantor - b.grantor);
}

export function aclEquals(a: readonly AclEntry[], b: readonly AclEntry[]): boolean {
  const x = sortAcl(a);
  const y = sortAcl(b);
  return x.length === y.length && x.every((e, i) => e.grantee === y[i]?.grantee && e.grantor === y[i]?.grantor && e.privileges === y[i]?.privileges && e.grantOptions === y[i]?.grantOptions);
}

/** Privilege names (lowercase, as parsed; empty for ALL) as letters, checked against the class. */
export function privilegeLetters(names: readonly string[], objectClass: ObjectClass): string {
  const all = allPrivileges(objectClass);
  if (names.length === 0) return all;
  let letters = "";
  for (const name of names) {
    const letter = letterOf[name];
    if (letter === undefined || !all.includes(letter)) {
      throw new InvalidGrantOperationError(`invalid privilege type ${name.toUpperCase()} for ${objectClass}`);
    }
    if (!letters.includes(letter)) letters += letter;
  }
  return sortLetters(letters);
}

/** A privilege name (has_table_privilege's argument: `SELECT`, `select WITH GRANT OPTION`, …) as its letter. */
export function privilegeLetter(name: string): string {
  const letter = letterOf[name.trim().toLowerCase().replace(/\s+with\s+grant\s+option$/, "")];
  if (letter === undefined) throw new InvalidParameterValueError(`unrecognized privilege type: "${name}"`);
  return letter;
}

/** Privilege letters one by one (they are ASCII: splitting by code unit is exact). */
export function letterList(letters: string): string[] {
  return letters.split("");
}

function sortLetters(letters: string): string {
  return letterList(letters).sort((a, b) => letterOrder.indexOf(a) - letterOrder.indexOf(b)).join("");
}

export class InvalidGrantOperationError extends DbError {
  override readonly name: string = "InvalidGrantOperationError";
  readonly sqlState = SqlState.InvalidGrantOperation;
}

/** `grantee=privs/grantor` as PostgreSQL prints an aclitem (a `*` after each grantable letter). */
export function aclItemText(entry: AclEntry, roleName: (id: number) => string): string {
  const privileges = letterList(entry.privileges).map((letter) => (entry.grantOptions.includes(letter) ? `${letter}*` : letter)).join("");
  const grantee = entry.grantee === publicRoleId ? "" : quoteRoleName(roleName(entry.grantee));
  return `${grantee}=${privileges}/${quoteRoleName(roleName(entry.grantor))}`;
}

/** A role name in an aclitem: double-quoted unless it is only lowercase letters, digits and `_`. */
function quoteRoleName(name: string): string {
  return /^[a-z0-9_]+$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

/** The ACL after GRANT: the grantee's entry from `grantor` gains the letters (and their grant options). */
export function grantAcl(acl: readonly AclEntry[], change: { readonly grantee: number; readonly grantor: number; readonly letters: string; readonly withGrantOption: boolean }): AclEntry[] {
  const entries = [...acl];
  const at = entries.findIndex((e) => e.grantee === change.grantee && e.grantor === change.grantor);
  const before = entries[at] ?? { grantee: change.grantee, grantor: change.grantor, privileges: "", grantOptions: "" };
  const after: AclEntry = {
    ...before,
    privileges: sortLetters(unionLetters(before.privileges, change.letters)),
    grantOptions: change.withGrantOption ? sortLetters(unionLetters(before.grantOptions, change.letters)) : before.grantOptions,
  };
  if (at < 0) entries.push(after);
  else entries[at] = after;
  return entries;
}

/** The ACL after REVOKE of the letters from the grantee's entry by `grantor` (an emptied entry goes). */
export function revokeAcl(acl: readonly AclEntry[], change: { readonly grantee: number; readonly grantor: number; readonly letters: string; readonly isGrantOptionOnly: boolean }): AclEntry[] {
  const remove = (letters: string): string => letterList(letters).filter((l) => !change.letters.includes(l)).join("");
  return acl.flatMap((entry) => {
    if (entry.grantee !== change.grantee || entry.grantor !== change.grantor) return [entry];
    const privileges = change.isGrantOptionOnly ? entry.privileges : remove(entry.privileges);
    const next = { ...entry, privileges, grantOptions: remove(entry.grantOptions) };
    return next.privileges === "" ? [] : [next];
  });
}

function unionLetters(a: string, b: string): string {
  return a + letterList(b).filter((l) => !a.includes(l)).join("");
}

/**
 * Privilege questions over one transaction's catalog. Role sets are computed once per instance
 * (an instance lives for one statement, so a GRANT in the same transaction is seen by the next).
 */
export class PrivilegeChecker {
  readonly #view: CatalogView;
  readonly #inherited = new Map<number, ReadonlySet<number>>();

  constructor(view: CatalogView) {
    this.#view = view;
  }

  isSuperuser(roleId: number): boolean {
    return this.#view.roleById(roleId)?.isSuperuser === true;
  }

  /** The roles whose privileges `roleId` has: itself, PUBLIC, and memberships through INHERIT roles. */
  privilegeRoles(roleId: number): ReadonlySet<number> {
    const cached = this.#inherited.get(roleId);
    if (cached !== undefined) return cached;
    const found = new Set<number>([publicRoleId, roleId]);
    const queue = [roleId];
    for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
      const role = this.#view.roleById(next);
      if (role === undefined || !role.isInherit) continue;
      for (const membership of role.memberOf) {
        if (found.has(membership.roleId)) continue;
        found.add(membership.roleId);
        queue.push(membership.roleId);
      }
    }
    this.#inherited.set(roleId, found);
    return found;
  }

  /** Whether `roleId` is a member of `target` through any chain (SET ROLE's test; INHERIT does not matter). */
  isMemberOf(roleId: number, target: number): boolean {
    const seen = new Set<number>([roleId]);
    const queue = [roleId];
    for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
      if (next === target) return true;
      for (const membership of this.#view.roleById(next)?.memberOf ?? []) {
        if (!seen.has(membership.roleId)) {
          seen.add(membership.roleId);
          queue.push(membership.roleId);
        }
      }
    }
    return false;
  }

  /** has_privs_of_role: superuser, or `roleId` holds the privileges of `target`. */
  hasPrivilegesOf(roleId: number, target: number): boolean {
    return this.isSuperuser(roleId) || this.privilegeRoles(roleId).has(target);
  }

  isOwner(roleId: number, object: OwnedObject): boolean {
    return this.hasPrivilegesOf(roleId, ownerOf(object));
  }

  /** Whether `roleId` holds privilege `letter` (with its grant option when asked). */
  has(roleId: number, object: OwnedObject, letter: string, isGrantOption = false): boolean {
    assert(letter.length === 1, "one privilege letter");
    if (this.isSuperuser(roleId)) return true;
    const roles = this.privilegeRoles(roleId);
    return effectiveAcl(object).some((e) => roles.has(e.grantee) && (isGrantOption ? e.grantOptions : e.privileges).includes(letter));
  }

  /**
   * Whether `roleId` holds privilege `letter` on column `column` of a table or view: on the
   * relation, or on the column itself (column privileges).
   */
  hasColumn(roleId: number, relation: OwnedObject, column: ColumnAcl, letter: string): boolean {
    if (this.has(roleId, relation, letter)) return true;
    const roles = this.privilegeRoles(roleId);
    return (column.acl ?? []).some((e) => roles.has(e.grantee) && e.privileges.includes(letter));
  }

  /** Whether `roleId` holds any of `letters`. */
  hasAny(roleId: number, object: OwnedObject, letters: string): boolean {
    return letterList(letters).some((letter) => this.has(roleId, object, letter));
  }

  /** 42501 `permission denied for table t` unless `roleId` holds every letter. */
  require(roleId: number, object: OwnedObject, letters: string): void {
    for (const letter of letters) if (!this.has(roleId, object, letter)) throw permissionDenied(object);
  }

  /** 42501 `must be owner of table t` unless `roleId` owns the object (or is a superuser). */
  requireOwner(roleId: number, object: OwnedObject): void {
    if (!this.isOwner(roleId, object)) throw mustBeOwner(object);
  }

  /** USAGE on a schema, as every qualified name needs. */
  requireUsage(roleId: number, schema: SchemaDefinition): void {
    if (!this.has(roleId, schema, "U")) throw permissionDenied(schema);
  }
}

/** A column as privilege checks see it. */
export interface ColumnAcl {
  readonly name: string;
  readonly acl?: readonly AclEntry[];
}

/** The privileges a column may be granted: SELECT, INSERT, UPDATE, REFERENCES. */
export const columnPrivileges = "arwx";

export function permissionDenied(object: OwnedObject): InsufficientPrivilegeError {
  return new InsufficientPrivilegeError(`permission denied for ${objectWord(object)} ${object.name}`);
}

export function mustBeOwner(object: OwnedObject): InsufficientPrivilegeError {
  return new InsufficientPrivilegeError(`must be owner of ${objectWord(object)} ${object.name}`);
}
