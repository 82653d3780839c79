/**
 * Role DDL and GRANT/REVOKE: CREATE/ALTER/DROP ROLE (and USER), GRANT/REVOKE privileges on
 * tables, views, sequences and schemas, and GRANT/REVOKE of role membership. Roles and ACLs are
 * catalog objects, so every change commits or rolls back with its transaction. Permission rules
 * and messages are PostgreSQL 15's (superuser, CREATEROLE, owners, grant options).
 *
 * Passwords: the catalog keeps a verifier only. A PASSWORD already in verifier form
 * (`SCRAM-SHA-256$…`, `md5` + 32 hex digits) is stored as given; a plain one goes through the
 * database's `passwordVerifier` hook, and without one it is refused.
 */
import { DbError, FeatureNotSupportedError, SqlState, UndefinedObjectError, WrongObjectTypeError } from "@omnikv/base";
import type { AlterDefaultPrivilegesStatement, AlterOwnerStatement, ReassignOwnedStatement, CreateRoleStatement, AlterRoleStatement, DropRoleStatement, GrantRoleStatement, GrantStatement, RenameStatement, RoleOption } from "@omnikv/parser";
import { UndefinedColumnError, UndefinedTableError } from "@omnikv/planner";
import type { Transaction } from "@omnikv/txn";
import { isRelation, type CatalogView } from "./catalog-store.ts";
import type { AclEntry, ColumnDefinition, DefaultAclDefinition, ObjectDefinition, RoleDefinition, RoleMembership, TableDefinition } from "./definitions.ts";
import {
  InvalidGrantOperationError,
  allPrivileges,
  bootstrapRoleId,
  aclEquals,
  classOf,
  columnPrivileges,
  databaseObject,
  defaultAclType,
  isOwned,
  effectiveAcl,
  grantAcl,
  letterList,
  objectWord,
  ownerOf,
  permissionDenied,
  privilegeLetters,
  publicRoleId,
  revokeAcl,
  type OwnedObject,
  type PrivilegeChecker,
} from "./privileges.ts";
import { DependentObjectsStillExistError, DuplicateObjectError, InsufficientPrivilegeError, InvalidSchemaNameError } from "../errors.ts";
import type { NoticeSeverity } from "../session/notice.ts";

/** Who runs the statement, and what role DDL needs beside the catalog. */
export interface AuthContext {
  /** current_user's role id (SET ROLE changes it). */
  readonly roleId: number;
  /** session_user's role id. */
  readonly sessionRoleId: number;
  readonly checker: PrivilegeChecker;
  /** Turns a plain password into the verifier stored (Database.open's `passwordVerifier`). */
  readonly passwordVerifier?: (password: string) => string;
}

export interface RoleEnvironment {
  readonly catalog: CatalogView;
  readonly txn: Transaction;
  readonly auth: AuthContext;
  readonly searchPath: readonly string[];
  /** The database's name, for `permission denied for database d`. */
  readonly databaseName: string;
  allocateObjectId(): number;
  /** Sends a notice with the statement's result, at PostgreSQL's severity and SQLSTATE for the message (default: NOTICE, 00000). */
  notice(message: string, severity?: NoticeSeverity, sqlState?: string): void;
}

class ReservedNameError extends DbError {
  override readonly name: string = "ReservedNameError";
  readonly sqlState = SqlState.ReservedName;
}

class ObjectInUseError extends DbError {
  override readonly name: string = "ObjectInUseError";
  readonly sqlState = SqlState.ObjectInUse;
}

/** The stored form of a PASSWORD: a verifier, never the password (see the header). */
export function passwordVerifierOf(password: string, hook: ((password: string) => string) | undefined): string {
  if (password.startsWith("SCRAM-SHA-256$") || /^md5[0-9a-f]{32}$/.test(password)) return password;
  if (hook === undefined) throw new FeatureNotSupportedError("a plain-text PASSWORD needs a password verifier: open the database with passwordVerifier, or give a SCRAM-SHA-256 verifier");
  const verifier = hook(password);
  if (!verifier.startsWith("SCRAM-SHA-256$") && !/^md5[0-9a-f]{32}$/.test(verifier)) throw new FeatureNotSupportedError("the password verifier returned no SCRAM-SHA-256 or md5 verifier");
  return verifier;
}

/** A grantee: a role name, or CURRENT_USER / CURRENT_ROLE / SESSION_USER. */
function granteeRole(env: RoleEnvironment, name: string): RoleDefinition {
  const id = name === "current_user" || name === "current_role" ? env.auth.roleId : name === "session_user" ? env.auth.sessionRoleId : undefined;
  const role = id === undefined ? undefined : env.catalog.roleById(id);
  return role ?? roleOrThrow(env.catalog, name);
}

export function roleOrThrow(catalog: CatalogView, name: string): RoleDefinition {
  const role = catalog.role(name);
  if (role === undefined) throw new UndefinedObjectError(`role "${name}" does not exist`);
  return role;
}

function checkRoleName(name: string): void {
  if (name === "public" || name === "none") throw new ReservedNameError(`role name "${name}" is reserved`);
  if (name.startsWith("pg_")) throw new ReservedNameError(`role name "${name}" is reserved`, { detail: 'Role names starting with "pg_" are reserved.' });
}

function hasCreateRole(env: RoleEnvironment): boolean {
  const role = env.catalog.roleById(env.auth.roleId);
  return role?.isSuperuser === true || role?.canCreateRole === true;
}

function isSuperuser(env: RoleEnvironment): boolean {
  return env.catalog.roleById(env.auth.roleId)?.isSuperuser === true;
}

// ---------------------------------------------------------------------------------------------
// CREATE / ALTER / DROP ROLE

export async function createRole(env: RoleEnvironment, statement: CreateRoleStatement): Promise<void> {
  if (!hasCreateRole(env)) throw new InsufficientPrivilegeError("permission denied to create role");
  checkRoleName(statement.name);
  if (env.catalog.role(statement.name) !== undefined) throw new DuplicateObjectError(`role "${statement.name}" already exists`);
  const base: RoleDefinition = {
    kind: "role",
    id: env.allocateObjectId(),
    name: statement.name,
    isSuperuser: false,
    isInherit: true,
    canCreateRole: false,
    canCreateDb: false,
    canLogin: statement.isUser,
    connectionLimit: -1,
    memberOf: [],
  };
  const role = withOptions(env, base, statement.options.filter((o) => o.name !== "in_role" && o.name !== "role" && o.name !== "admin"));
  if (role.isSuperuser && !isSuperuser(env)) throw new InsufficientPrivilegeError("must be superuser to create superusers");
  await env.catalog.write(env.txn, role);
  for (const option of statement.options) {
    const names = Array.isArray(option.value) ? option.value.filter((v): v is string => typeof v === "string") : [];
    if (option.name === "in_role") for (const name of names) await addMembership(env, roleOrThrow(env.catalog, name), role.name, false);
    if (option.name === "role" || option.name === "admin") for (const name of names) await addMembership(env, role, name, option.name === "admin");
  }
}

/** The role with its attribute options applied. */
function withOptions(env: RoleEnvironment, role: RoleDefinition, options: readonly RoleOption[]): RoleDefinition {
  let next = role;
  for (const option of options) {
    const value = option.value;
    const flag = value === true;
    if (option.name === "superuser") next = { ...next, isSuperuser: flag };
    else if (option.name === "login") next = { ...next, canLogin: flag };
    else if (option.name === "createdb") next = { ...next, canCreateDb: flag };
    else if (option.name === "createrole") next = { ...next, canCreateRole: flag };
    else if (option.name === "inherit") next = { ...next, isInherit: flag };
    else if (option.name === "connection_limit") next = { ...next, connectionLimit: typeof value === "number" ? value : -1 };
    else if (option.name === "password") next = withPassword(env, next, value);
    else if ((option.name === "replication" || option.name === "bypassrls") && !flag) continue;
    else throw new FeatureNotSupportedError(`role option ${option.name.toUpperCase()} is not supported`);
  }
  return next;
}

function withPassword(env: RoleEnvironment, role: RoleDefinition, value: RoleOption["value"]): RoleDefinition {
  const { password: _old, ...rest } = role;
  if (value === null) return rest;
  if (typeof value !== "string") throw new FeatureNotSupportedError("PASSWORD takes a string");
  if (value === "") {
    env.notice(`empty string is not a valid password, clearing password`);
    return rest;
  }
  return { ...rest, password: passwordVerifierOf(value, env.auth.passwordVerifier) };
}

export async function alterRole(env: RoleEnvironment, statement: AlterRoleStatement): Promise<void> {
  const role = roleOrThrow(env.catalog, statement.name);
  const changesSuperuser = statement.options.some((o) => o.name === "superuser");
  if ((role.isSuperuser || changesSuperuser) && !isSuperuser(env)) {
    throw new InsufficientPrivilegeError("must be superuser to alter superuser roles or change superuser attribute");
  }
  const isOwnPasswordOnly = role.id === env.auth.roleId && statement.options.every((o) => o.name === "password");
  if (!hasCreateRole(env) && !isOwnPasswordOnly) throw new InsufficientPrivilegeError("permission denied");
  const next = withOptions(env, role, statement.options);
  if (role.id === bootstrapRoleId && !next.isSuperuser) throw new InsufficientPrivilegeError("permission denied: bootstrap user must be superuser");
  await env.catalog.write(env.txn, next);
}

export async function dropRole(env: RoleEnvironment, statement: DropRoleStatement): Promise<void> {
  if (!hasCreateRole(env)) throw new InsufficientPrivilegeError("permission denied to drop role");
  for (const name of statement.names) {
    const role = env.catalog.role(name);
    if (role === undefined) {
      if (!statement.ifExists) throw new UndefinedObjectError(`role "${name}" does not exist`);
      env.notice(`role "${name}" does not exist, skipping`);
      continue;
    }
    if (role.id === env.auth.roleId) throw new ObjectInUseError("current user cannot be dropped");
    if (role.id === env.auth.sessionRoleId) throw new ObjectInUseError("session user cannot be dropped");
    if (role.id === bootstrapRoleId) throw new DependentObjectsStillExistError(`cannot drop role ${name} because it is required by the database system`);
    if (role.isSuperuser && !isSuperuser(env)) throw new InsufficientPrivilegeError("must be superuser to drop superusers");
    const dependents = dependentsOf(env.catalog, role.id);
    if (dependents.length > 0) {
      throw new DependentObjectsStillExistError(`role "${name}" cannot be dropped because some objects depend on it`, { detail: dependents.join("\n") });
    }
    for (const member of Array.from(env.catalog.roles())) {
      if (member.memberOf.some((m) => m.roleId === role.id)) await env.catalog.write(env.txn, { ...member, memberOf: member.memberOf.filter((m) => m.roleId !== role.id) });
    }
    await env.catalog.remove(env.txn, role.id);
  }
}

/** PostgreSQL's DETAIL lines of what keeps a role: `owner of table t`, `privileges for schema s`. */
function dependentsOf(catalog: CatalogView, roleId: number): string[] {
  const found: { readonly id: number; readonly text: string }[] = [];
  for (const object of catalog.objects()) {
    const text = dependencyText(catalog, object, roleId);
    if (text !== undefined) found.push({ id: object.id, text });
  }
  // PostgreSQL 15 sorts them by object id (shared_dependency_comparator).
  return found.sort((a, b) => a.id - b.id).map((d) => d.text);
}

function dependencyText(catalog: CatalogView, object: ObjectDefinition, roleId: number): string | undefined {
  if (object.kind === "default_acl") {
    if (object.role !== roleId && !object.acl.some((e) => e.grantee === roleId)) return undefined;
    const schema = object.schemaId === 0 ? "" : ` in schema ${schemaName(catalog, object.schemaId)}`;
    return `${object.role === roleId ? "owner of" : "privileges for"} default privileges on new ${defaultAclWord(object.objectType)} belonging to role ${catalog.roleById(object.role)?.name ?? object.role}${schema}`;
  }
  if (!isOwned(object)) return undefined;
  if (ownerOf(object) === roleId) return `owner of ${objectWord(object)} ${qualifiedName(object)}`;
  const mentions = (acl: readonly AclEntry[] | undefined): boolean => acl?.some((e) => e.grantee === roleId || e.grantor === roleId) === true;
  const lines = mentions(object.acl) ? [`privileges for ${objectWord(object)} ${qualifiedName(object)}`] : [];
  // Column privileges come after the table's own (PostgreSQL sorts by object, then column number).
  if (object.kind === "table") for (const c of object.columns) if (mentions(c.acl)) lines.push(`privileges for column ${c.name} of table ${qualifiedName(object)}`);
  return lines.length === 0 ? undefined : lines.join("\n");
}

function schemaName(catalog: CatalogView, id: number): string {
  const schema = catalog.get(id);
  return schema?.kind === "schema" ? schema.name : String(id);
}

function defaultAclWord(objectType: "r" | "S" | "n"): string {
  return objectType === "r" ? "relations" : objectType === "S" ? "sequences" : "schemas";
}

function qualifiedName(object: OwnedObject): string {
  return object.kind === "schema" || object.kind === "database" || object.schema === "public" ? object.name : `${object.schema}.${object.name}`;
}

/**
 * ALTER ROLE a RENAME TO b (PostgreSQL 15's rules): not the session's own user, superusers only
 * by superusers, others with CREATEROLE; an MD5 verifier is salted with the name, so it is cleared.
 */
export async function renameRole(env: RoleEnvironment, statement: RenameStatement): Promise<void> {
  const oldName = statement.name.at(-1) ?? "";
  const role = roleOrThrow(env.catalog, oldName);
  if (role.id === env.auth.sessionRoleId) throw new FeatureNotSupportedError("session user cannot be renamed");
  if (role.id === env.auth.roleId) throw new FeatureNotSupportedError("current user cannot be renamed");
  if (env.catalog.role(statement.newName) !== undefined) throw new DuplicateObjectError(`role "${statement.newName}" already exists`);
  checkRoleName(statement.newName);
  if (role.isSuperuser && !isSuperuser(env)) throw new InsufficientPrivilegeError("must be superuser to rename superusers");
  if (!hasCreateRole(env)) throw new InsufficientPrivilegeError("permission denied to rename role");
  let renamed: RoleDefinition = { ...role, name: statement.newName };
  if (role.password?.startsWith("md5") === true) {
    const { password: _cleared, ...rest } = renamed;
    renamed = rest;
    env.notice("MD5 password cleared because of role rename");
  }
  await env.catalog.write(env.txn, renamed);
}

/**
 * ALTER TABLE | VIEW | SEQUENCE | SCHEMA … OWNER TO (PostgreSQL's ATExecChangeOwner): the owner
 * (or a superuser) may give the object to a role it is a member of, which needs CREATE on the
 * schema. The ACL follows: the old owner's entries become the new owner's. A table's owned
 * sequences change owner with it.
 */
export async function alterOwner(env: RoleEnvironment, statement: AlterOwnerStatement): Promise<void> {
  const object = ownerTarget(env, statement);
  if (object === undefined) return;
  // ALTER TABLE/VIEW/SEQUENCE checks ownership before anything (PostgreSQL's RangeVar callback);
  // ALTER SCHEMA only when the owner changes.
  if (object.kind !== "schema" && object.kind !== "database") env.auth.checker.requireOwner(env.auth.roleId, object);
  const newOwner = granteeRole(env, statement.owner);
  if (ownerOf(object) === newOwner.id) return;
  if (!isSuperuser(env)) {
    env.auth.checker.requireOwner(env.auth.roleId, object);
    if (!env.auth.checker.isMemberOf(env.auth.roleId, newOwner.id)) throw new InsufficientPrivilegeError(`must be member of role "${newOwner.name}"`);
    if (object.kind === "schema" || object.kind === "database") throw new InsufficientPrivilegeError(`permission denied for database ${env.databaseName}`);
    const schema = env.catalog.schema(object.schema);
    if (schema !== undefined && !env.auth.checker.has(newOwner.id, schema, "C")) throw permissionDenied(schema);
  }
  await env.catalog.write(env.txn, withOwner(object, newOwner.id));
  if (object.kind !== "table") return;
  for (const sequence of Array.from(env.catalog.objects())) {
    if (sequence.kind === "sequence" && sequence.ownedBy?.tableId === object.id) await env.catalog.write(env.txn, withOwner(sequence, newOwner.id));
  }
}

function ownerTarget(env: RoleEnvironment, statement: AlterOwnerStatement): OwnedObject | undefined {
  const name = statement.name.at(-1) ?? "";
  if (statement.objectType === "schema") {
    const schema = env.catalog.schema(name);
    if (schema === undefined) throw new InvalidSchemaNameError(`schema "${name}" does not exist`);
    return schema;
  }
  const relation = env.catalog.findRelation(statement.name.length > 1 ? statement.name.at(-2) : undefined, name, env.searchPath);
  if (relation === undefined) {
    if (!statement.ifExists) throw new UndefinedTableError(`relation "${statement.name.join(".")}" does not exist`);
    env.notice(`relation "${name}" does not exist, skipping`);
    return undefined;
  }
  if (statement.objectType !== "table" && relation.kind !== statement.objectType) throw new WrongObjectTypeError(`"${name}" is not a ${statement.objectType}`);
  return relation;
}

/** The object owned by `owner`, its ACL's old-owner entries moved to the new owner (PostgreSQL's aclnewowner). */
function withOwner(object: OwnedObject, owner: number): OwnedObject {
  const oldOwner = ownerOf(object);
  const moved = object.kind === "table" ? { ...object, columns: object.columns.map((c) => (c.acl === undefined ? c : { ...c, acl: movedAcl(c.acl, oldOwner, owner) })) } : object;
  if (object.acl === undefined) return { ...moved, owner };
  return { ...moved, owner, acl: movedAcl(object.acl, oldOwner, owner) };
}

/** An ACL with the old owner's entries (as grantee and as grantor) made the new owner's, merged. */
function movedAcl(acl: readonly AclEntry[], oldOwner: number, owner: number): AclEntry[] {
  let moved: AclEntry[] = [];
  for (const entry of acl) {
    const grantee = entry.grantee === oldOwner ? owner : entry.grantee;
    const grantor = entry.grantor === oldOwner ? owner : entry.grantor;
    moved = grantAcl(moved, { grantee, grantor, letters: entry.privileges, withGrantOption: false });
    if (entry.grantOptions !== "") moved = grantAcl(moved, { grantee, grantor, letters: entry.grantOptions, withGrantOption: true });
  }
  return moved;
}

/** The roles DROP/REASSIGN OWNED name; current_user needs the privileges of each. */
export function ownedRoles(env: RoleEnvironment, names: readonly string[], action: "drop" | "reassign"): RoleDefinition[] {
  return names.map((name) => {
    const role = granteeRole(env, name);
    if (!env.auth.checker.hasPrivilegesOf(env.auth.roleId, role.id)) throw new InsufficientPrivilegeError(`permission denied to ${action} objects`);
    if (role.id === bootstrapRoleId) {
      const what = action === "drop" ? "drop objects" : "reassign ownership of objects";
      throw new DependentObjectsStillExistError(`cannot ${what} owned by role ${role.name} because they are required by the database system`);
    }
    return role;
  });
}

/** DROP OWNED's first half: every privilege granted to the role is revoked (and what it granted with them). */
export async function revokeAllFrom(env: RoleEnvironment, roleId: number): Promise<void> {
  for (const object of Array.from(env.catalog.objects())) {
    if (object.kind === "default_acl") {
      if (object.role === roleId) await env.catalog.remove(env.txn, object.id);
      continue;
    }
    if (!isOwned(object)) continue;
    const cleared = object.kind === "table" ? withoutRoleInColumns(object, roleId) : object;
    if (object.acl?.some((e) => e.grantee === roleId) !== true) {
      if (cleared !== object) await env.catalog.write(env.txn, cleared);
      continue;
    }
    let acl: AclEntry[] = [...object.acl];
    for (const entry of object.acl.filter((e) => e.grantee === roleId)) {
      acl = revokeDependents(revokeAcl(acl, { grantee: roleId, grantor: entry.grantor, letters: entry.privileges, isGrantOptionOnly: false }), roleId, entry.privileges, { isCascade: true, owner: ownerOf(object), checker: env.auth.checker });
    }
    await env.catalog.write(env.txn, { ...cleared, acl });
  }
}

/** REASSIGN OWNED BY roles TO role: everything they own changes owner (PostgreSQL 15's rules). */
export async function reassignOwned(env: RoleEnvironment, statement: ReassignOwnedStatement): Promise<void> {
  const roles = ownedRoles(env, statement.roles, "reassign");
  const newOwner = granteeRole(env, statement.newOwner);
  if (!env.auth.checker.hasPrivilegesOf(env.auth.roleId, newOwner.id)) throw new InsufficientPrivilegeError("permission denied to reassign objects");
  const ids = new Set(roles.map((r) => r.id));
  for (const object of Array.from(env.catalog.objects())) {
    if (isOwned(object) && ids.has(ownerOf(object))) await env.catalog.write(env.txn, withOwner(object, newOwner.id));
  }
}

/**
 * ALTER DEFAULT PRIVILEGES (PostgreSQL 15): for each target role (current_user by default; others
 * need membership), its entry — global, or per schema — changes as GRANT/REVOKE would change an
 * ACL, the role itself being the grantor. A global entry that equals the built-in default, or a
 * schema entry left empty, is removed.
 */
export async function alterDefaultPrivileges(env: RoleEnvironment, statement: AlterDefaultPrivilegesStatement): Promise<void> {
  const action = statement.action;
  if (action.objectType === "function" || action.objectType === "database") throw new FeatureNotSupportedError(`default privileges on ${action.objectType}s are not supported`);
  if (action.objectType === "schema" && statement.schemas.length > 0) throw new InvalidGrantOperationError("cannot use IN SCHEMA clause when using GRANT/REVOKE ON SCHEMAS");
  const objectClass = action.objectType;
  const letters = privilegeLetters(action.privileges, objectClass);
  const grantees = action.grantees.map((name) => (name === "public" ? publicRoleId : granteeRole(env, name).id));
  const roles = statement.roles.length === 0 ? [env.catalog.roleById(env.auth.roleId)] : statement.roles.map((name) => granteeRole(env, name));
  const schemaIds = statement.schemas.length === 0 ? [0] : statement.schemas.map((name) => schemaOrThrow(env, name).id);
  for (const role of roles) {
    if (role === undefined) continue;
    if (!env.auth.checker.isSuperuser(env.auth.roleId) && !env.auth.checker.isMemberOf(env.auth.roleId, role.id)) throw new InsufficientPrivilegeError(`must be member of role "${role.name}"`);
    for (const schemaId of schemaIds) await changeDefaultAcl(env, { role: role.id, schemaId, objectClass, letters, grantees, action });
  }
}

async function changeDefaultAcl(
  env: RoleEnvironment,
  change: { readonly role: number; readonly schemaId: number; readonly objectClass: "table" | "sequence" | "schema"; readonly letters: string; readonly grantees: readonly number[]; readonly action: GrantStatement },
): Promise<void> {
  const type = defaultAclType(change.objectClass) ?? "r";
  const existing = [...env.catalog.objects()].find((o): o is DefaultAclDefinition => o.kind === "default_acl" && o.role === change.role && o.schemaId === change.schemaId && o.objectType === type);
  const builtin = [{ grantee: change.role, grantor: change.role, privileges: allPrivileges(change.objectClass), grantOptions: "" }];
  let acl: AclEntry[] = [...(existing?.acl ?? (change.schemaId === 0 ? builtin : []))];
  for (const grantee of change.grantees) {
    acl = change.action.isGrant
      ? grantAcl(acl, { grantee, grantor: change.role, letters: change.letters, withGrantOption: change.action.withGrantOption })
      : revokeAcl(acl, { grantee, grantor: change.role, letters: change.letters, isGrantOptionOnly: change.action.withGrantOption });
  }
  const isDefault = change.schemaId === 0 ? aclEquals(acl, builtin) : acl.length === 0;
  if (isDefault) {
    if (existing !== undefined) await env.catalog.remove(env.txn, existing.id);
    return;
  }
  const definition: DefaultAclDefinition = { kind: "default_acl", id: existing?.id ?? env.allocateObjectId(), role: change.role, schemaId: change.schemaId, objectType: type, acl };
  await env.catalog.write(env.txn, definition);
}

// ---------------------------------------------------------------------------------------------
// GRANT / REVOKE role membership

export async function grantRole(env: RoleEnvironment, statement: GrantRoleStatement): Promise<void> {
  for (const roleName of statement.roles) {
    const role = roleOrThrow(env.catalog, roleName);
    checkAdmin(env, role);
    for (const memberName of statement.grantees) {
      if (statement.isGrant) await addMembership(env, role, memberName, statement.withAdminOption);
      else await removeMembership(env, role, memberName, statement.withAdminOption);
    }
  }
}

/** PostgreSQL 15: superusers manage any membership; CREATEROLE or ADMIN OPTION a non-superuser role's. */
function checkAdmin(env: RoleEnvironment, role: RoleDefinition): void {
  if (isSuperuser(env)) return;
  if (role.isSuperuser) throw new InsufficientPrivilegeError("must be superuser to alter superusers");
  if (hasCreateRole(env)) return;
  const isAdmin = env.catalog.roleById(env.auth.roleId)?.memberOf.some((m) => m.roleId === role.id && m.isAdmin) === true;
  if (!isAdmin) throw new InsufficientPrivilegeError(`must have admin option on role "${role.name}"`);
}

async function addMembership(env: RoleEnvironment, role: RoleDefinition, memberName: string, isAdmin: boolean): Promise<void> {
  const member = granteeRole(env, memberName);
  if (member.id === role.id || env.auth.checker.isMemberOf(role.id, member.id)) {
    throw new InvalidGrantOperationError(`role "${role.name}" is a member of role "${member.name}"`);
  }
  const existing = member.memberOf.find((m) => m.roleId === role.id);
  if (existing !== undefined && (existing.isAdmin || !isAdmin)) {
    env.notice(`role "${member.name}" is already a member of role "${role.name}"`);
    return;
  }
  const membership: RoleMembership = { roleId: role.id, grantor: env.auth.roleId, isAdmin };
  await env.catalog.write(env.txn, { ...member, memberOf: [...member.memberOf.filter((m) => m.roleId !== role.id), membership] });
}

async function removeMembership(env: RoleEnvironment, role: RoleDefinition, memberName: string, isAdminOnly: boolean): Promise<void> {
  const member = granteeRole(env, memberName);
  const existing = member.memberOf.find((m) => m.roleId === role.id);
  if (existing === undefined) {
    env.notice(`role "${member.name}" is not a member of role "${role.name}"`, "WARNING");
    return;
  }
  const kept = member.memberOf.filter((m) => m.roleId !== role.id);
  const memberOf = isAdminOnly ? [...kept, { ...existing, isAdmin: false }] : kept;
  await env.catalog.write(env.txn, { ...member, memberOf });
}

// ---------------------------------------------------------------------------------------------
// GRANT / REVOKE privileges

export async function grantPrivileges(env: RoleEnvironment, statement: GrantStatement): Promise<void> {
  if (statement.isGrant && statement.withGrantOption && statement.grantees.includes("public")) throw new InvalidGrantOperationError("grant options can only be granted to roles");
  const grantees = statement.grantees.map((name) => (name === "public" ? publicRoleId : granteeRole(env, name).id));
  const columns = statement.columns;
  if (columns !== undefined) {
    const tableLevel = statement.privileges.filter((_, i) => (columns[i] ?? []).length === 0);
    for (const object of grantTargets(env, statement)) await grantColumnPrivileges(env, statement, object, grantees);
    if (tableLevel.length === 0) return;
    const { columns: _columns, ...rest } = statement;
    await grantPrivileges(env, { ...rest, privileges: tableLevel });
    return;
  }
  for (const object of grantTargets(env, statement)) {
    const objectClass = classOf(object);
    // ALL is the object's own set (a sequence named by GRANT … ON TABLE gets USAGE, SELECT and
    // UPDATE, with no warning, as in PostgreSQL).
    const isAll = statement.privileges.length === 0;
    const requested = isAll ? allPrivileges(objectClass) : privilegeLetters(statement.privileges, objectClass === "sequence" && statement.objectType === "table" ? "table" : objectClass);
    const letters = letterList(requested).filter((l) => allPrivileges(objectClass).includes(l)).join("");
    if (letters.length < requested.length) env.notice(`sequence "${object.name}" only supports USAGE, SELECT, and UPDATE privileges`, "WARNING", "0LP01");
    const { grantor, grantable } = bestGrantor(env, object, letters, statement.isGrant, isAll);
    checkColumnRevoke(env, statement, object, letters, grantor);
    if (grantable === "") continue;
    let acl = [...effectiveAcl(object)];
    for (const grantee of grantees) {
      if (statement.isGrant && statement.withGrantOption) checkCircularity(env.auth.checker, acl, { grantee, grantor, letters: grantable, owner: ownerOf(object) });
      acl = statement.isGrant
        ? grantAcl(acl, { grantee, grantor, letters: grantable, withGrantOption: statement.withGrantOption })
        : revokeDependents(revokeAcl(acl, { grantee, grantor, letters: grantable, isGrantOptionOnly: statement.withGrantOption }), grantee, grantable, { isCascade: statement.behavior === "cascade", owner: ownerOf(object), checker: env.auth.checker });
    }
    // As PostgreSQL: revoking a table privilege revokes it from every column too.
    const revoked = statement.isGrant || object.kind !== "table" ? object : withoutColumnPrivileges(object, { grantees, grantor, letters: grantable, isGrantOptionOnly: statement.withGrantOption });
    await env.catalog.write(env.txn, { ...revoked, acl });
  }
}

/**
 * PostgreSQL's REVOKE of a column-capable privilege (SELECT, INSERT, UPDATE, REFERENCES) from a
 * table or view goes on to every column, first the system column tableoid; a non-owner holding
 * none of those privileges fails there, after the table-level warning.
 */
function checkColumnRevoke(env: RoleEnvironment, statement: GrantStatement, object: OwnedObject, letters: string, grantor: number): void {
  if (statement.isGrant || (object.kind !== "table" && object.kind !== "view") || grantor === ownerOf(object)) return;
  if (!letterList(letters).some((l) => columnPrivileges.includes(l))) return;
  if (!env.auth.checker.hasAny(env.auth.roleId, object, columnPrivileges)) {
    throw new InsufficientPrivilegeError(`permission denied for column "tableoid" of relation "${object.name}"`);
  }
}

/**
 * PostgreSQL's check_circularity: granting grant options to a role must not be what the grantor's
 * own grant options rest on — without every grant option the grantee holds (and what was granted
 * with them), the grantor must still hold the options it grants (0LP01 otherwise).
 */
function checkCircularity(checker: PrivilegeChecker, acl: readonly AclEntry[], change: { readonly grantee: number; readonly grantor: number; readonly letters: string; readonly owner: number }): void {
  if (change.grantor === change.owner || checker.privilegeRoles(change.grantor).has(change.owner)) return;
  let work = [...acl];
  for (let entry = work.find((e) => e.grantee === change.grantee && e.grantOptions !== ""); entry !== undefined; entry = work.find((e) => e.grantee === change.grantee && e.grantOptions !== "")) {
    work = revokeDependents(revokeAcl(work, { grantee: change.grantee, grantor: entry.grantor, letters: entry.privileges, isGrantOptionOnly: false }), change.grantee, entry.privileges, { isCascade: true, owner: change.owner, checker });
  }
  const roles = checker.privilegeRoles(change.grantor);
  const held = work.filter((e) => roles.has(e.grantee)).map((e) => e.grantOptions).join("");
  if (letterList(change.letters).some((l) => !held.includes(l))) throw new InvalidGrantOperationError("grant options cannot be granted back to your own grantor");
}

function withoutColumnPrivileges(table: TableDefinition, change: { readonly grantees: readonly number[]; readonly grantor: number; readonly letters: string; readonly isGrantOptionOnly: boolean }): TableDefinition {
  const columns = table.columns.map((column) => {
    if (column.acl === undefined) return column;
    let acl = [...column.acl];
    for (const grantee of change.grantees) acl = revokeAcl(acl, { grantee, grantor: change.grantor, letters: change.letters, isGrantOptionOnly: change.isGrantOptionOnly });
    return withColumnAcl(column, acl);
  });
  return { ...table, columns };
}

/** The table without the role's column privileges (itself when it had none). */
function withoutRoleInColumns(table: TableDefinition, roleId: number): TableDefinition {
  if (!table.columns.some((c) => c.acl?.some((e) => e.grantee === roleId) === true)) return table;
  return { ...table, columns: table.columns.map((c) => (c.acl === undefined ? c : withColumnAcl(c, c.acl.filter((e) => e.grantee !== roleId)))) };
}

function withColumnAcl(column: ColumnDefinition, acl: readonly AclEntry[]): ColumnDefinition {
  const { acl: _old, ...rest } = column;
  return acl.length === 0 ? rest : { ...rest, acl };
}

/**
 * GRANT/REVOKE SELECT (a, b), INSERT (c), … ON t: each named privilege on each named column
 * (SELECT, INSERT, UPDATE, REFERENCES only), with the grantor a table-level GRANT would have.
 */
async function grantColumnPrivileges(env: RoleEnvironment, statement: GrantStatement, object: OwnedObject, grantees: readonly number[]): Promise<void> {
  if (object.kind !== "table") throw new InvalidGrantOperationError(`column privileges are only valid for tables`);
  let table = object;
  for (const [i, name] of statement.privileges.entries()) {
    const names = statement.columns?.[i] ?? [];
    if (names.length === 0) continue;
    const letter = privilegeLetters([name], "table");
    if (!columnPrivileges.includes(letter)) throw new InvalidGrantOperationError(`invalid privilege type ${name.toUpperCase()} for column`);
    const { grantor, grantable } = bestGrantor(env, table, letter, statement.isGrant);
    if (grantable === "") continue;
    for (const columnName of names) {
      const at = table.columns.findIndex((c) => c.name === columnName);
      const column = table.columns[at];
      if (column === undefined) throw new UndefinedColumnError(`column "${columnName}" of relation "${table.name}" does not exist`);
      let acl = [...(column.acl ?? [])];
      for (const grantee of grantees) {
        acl = statement.isGrant
          ? grantAcl(acl, { grantee, grantor, letters: grantable, withGrantOption: statement.withGrantOption })
          : revokeAcl(acl, { grantee, grantor, letters: grantable, isGrantOptionOnly: statement.withGrantOption });
      }
      table = { ...table, columns: table.columns.map((c, j) => (j === at ? withColumnAcl(c, acl) : c)) };
    }
  }
  await env.catalog.write(env.txn, table);
}

/**
 * After a REVOKE took grant options from `grantee`: what it granted on with the options it no
 * longer holds (from any grantor) goes too, recursively — only with CASCADE; without it such
 * grants are an error (2BP01), as PostgreSQL's recursive_revoke.
 */
function revokeDependents(acl: readonly AclEntry[], grantee: number, letters: string, context: RevokeContext, depth = 0): AclEntry[] {
  // As recursive_revoke: the owner never loses grant options; others keep those they still hold
  // through another grantor, PUBLIC, or a role whose privileges they have.
  const roles = context.checker.privilegeRoles(grantee);
  if (grantee === context.owner || roles.has(context.owner)) return [...acl];
  const held = acl.filter((e) => roles.has(e.grantee)).map((e) => e.grantOptions).join("");
  const lost = letterList(letters).filter((l) => !held.includes(l)).join("");
  let next = [...acl];
  if (lost === "" || depth > aclDepthMax) return next;
  // A role's grants to itself go too (each is removed before its own cascade is looked at, so this ends).
  for (const entry of acl.filter((e) => e.grantor === grantee && letterList(e.privileges).some((l) => lost.includes(l)))) {
    if (!context.isCascade) throw new DependentObjectsStillExistError("dependent privileges exist", { hint: "Use CASCADE to revoke them too." });
    next = revokeDependents(revokeAcl(next, { grantee: entry.grantee, grantor: grantee, letters: lost, isGrantOptionOnly: false }), entry.grantee, lost, { ...context, isCascade: true }, depth + 1);
  }
  return next;
}

interface RevokeContext {
  readonly isCascade: boolean;
  readonly owner: number;
  readonly checker: PrivilegeChecker;
}

/** Grant chains are at most this long (each link is a distinct role, so this bounds the recursion). */
const aclDepthMax = 1000;

/**
 * PostgreSQL's select_best_grantor: a superuser or the owner grants as the owner; anyone else
 * grants as themselves what they hold WITH GRANT OPTION (none at all: 42501 when they hold no
 * privilege either, else a warning).
 */
function bestGrantor(env: RoleEnvironment, object: OwnedObject, letters: string, isGrant: boolean, isAll = false): { readonly grantor: number; readonly grantable: string } {
  const checker = env.auth.checker;
  if (checker.isSuperuser(env.auth.roleId) || env.auth.roleId === ownerOf(object)) return { grantor: ownerOf(object), grantable: letters };
  const { grantor, grantable } = grantorWithOptions(checker, env.auth.roleId, object, letters);
  if (grantable === "" && !checker.hasAny(env.auth.roleId, object, allPrivileges(classOf(object)))) {
    // PostgreSQL's restrict_and_check_grant names a view a table here.
    throw object.kind === "view" ? new InsufficientPrivilegeError(`permission denied for table ${object.name}`) : permissionDenied(object);
  }
  const quoted = `"${object.name}"`;
  // PostgreSQL's warning codes: 01007 privilege not granted, 01006 privilege not revoked.
  const code = isGrant ? "01007" : "01006";
  if (grantable === "") env.notice(isGrant ? `no privileges were granted for ${quoted}` : `no privileges could be revoked for ${quoted}`, "WARNING", code);
  // As in PostgreSQL's restrict_and_check_grant, ALL grants what it can without this warning.
  else if (grantable.length < letters.length && !isAll) env.notice(isGrant ? `not all privileges were granted for ${quoted}` : `not all privileges could be revoked for ${quoted}`, "WARNING", code);
  return { grantor, grantable };
}

/**
 * PostgreSQL's select_best_grantor search: among the role and the roles whose privileges it has
 * (in that order), the first holding every wanted grant option directly (an owner holds them
 * all), else the one holding most of them; the role itself, holding none, when nobody does.
 */
function grantorWithOptions(checker: PrivilegeChecker, roleId: number, object: OwnedObject, letters: string): { readonly grantor: number; readonly grantable: string } {
  let best = { grantor: roleId, grantable: "" };
  for (const candidate of checker.privilegeRoles(roleId)) {
    if (candidate === publicRoleId) continue;
    const held = candidate === ownerOf(object) ? letters : letterList(letters).filter((l) => effectiveAcl(object).some((e) => e.grantee === candidate && e.grantOptions.includes(l))).join("");
    if (held.length === letters.length) return { grantor: candidate, grantable: held };
    if (held.length > best.grantable.length) best = { grantor: candidate, grantable: held };
  }
  return best;
}

function grantTargets(env: RoleEnvironment, statement: GrantStatement): OwnedObject[] {
  if (statement.objectType === "function") throw new FeatureNotSupportedError("GRANT … ON FUNCTION is not supported");
  if (statement.objectType === "database") {
    return statement.objects.map((name) => {
      const databaseName = name.at(-1) ?? "";
      if (databaseName !== env.databaseName) throw new UndefinedDatabaseError(`database "${databaseName}" does not exist`);
      return databaseObject(env.catalog, databaseName);
    });
  }
  if (statement.isAllInSchema) {
    return statement.objects.flatMap((name) => {
      const schema = schemaOrThrow(env, name.at(-1) ?? "");
      const wanted = statement.objectType === "sequence" ? ["sequence"] : ["table", "view"];
      return [...env.catalog.objects()].filter((o): o is OwnedObject => isRelation(o) && o.schema === schema.name && wanted.includes(o.kind));
    });
  }
  return statement.objects.map((name) => {
    if (statement.objectType === "schema") return schemaOrThrow(env, name.at(-1) ?? "");
    const relation = env.catalog.findRelation(name.length > 1 ? name.at(-2) : undefined, name.at(-1) ?? "", env.searchPath);
    if (relation === undefined) throw new UndefinedTableError(`relation "${name.join(".")}" does not exist`);
    if (statement.objectType === "sequence" && relation.kind !== "sequence") throw new WrongObjectTypeError(`"${relation.name}" is not a sequence`);
    return relation;
  });
}

class UndefinedDatabaseError extends DbError {
  override readonly name: string = "UndefinedDatabaseError";
  readonly sqlState = SqlState.UndefinedDatabase;
}

function schemaOrThrow(env: RoleEnvironment, name: string): OwnedObject {
  const schema = env.catalog.schema(name);
  if (schema === undefined) throw new InvalidSchemaNameError(`schema "${name}" does not exist`);
  return schema;
}
