/**
 * Operator, function and cast resolution, following PostgreSQL's rules (chapter 10 of its manual,
 * "Type Conversion"; parse_oper.c, parse_func.c, parse_coerce.c):
 *
 * 1. Candidates: catalog entries with the name and number of arguments.
 * 2. An exact match wins; for a binary operator with one `unknown` argument (an untyped literal),
 *    the unknown side is assumed to have the other side's type for this check.
 * 3. Otherwise keep candidates every argument can reach by implicit coercion (an `unknown`
 *    literal reaches anything), then narrow: most exact matches; most preferred types where a
 *    coercion is needed; for `unknown` arguments, prefer the string category, else a category all
 *    candidates share, then preferred types; finally, if the known arguments all have one type,
 *    assume the unknowns have it too.
 * 4. None left: 42883 (`operator does not exist: integer + text`); several: 42725 (not unique).
 */
import { CannotCoerceError, DatatypeMismatchError, DbError, SqlState, TypeOid, isEnumOid, typeInfo, type TypeCategory } from "@omnikv/base";
import { anyNonArrayOid, builtinCasts, builtinFunctions } from "./builtins.ts";
import type { CastContext, CastSignature, FunctionSignature } from "./signature.ts";

/** 42883: no operator or function matches. */
export class UndefinedFunctionError extends DbError {
  override readonly name: string = "UndefinedFunctionError";
  readonly sqlState = SqlState.UndefinedFunction;
}

/** 42725: several candidates match equally well. */
export class AmbiguousFunctionError extends DbError {
  override readonly name: string = "AmbiguousFunctionError";
  readonly sqlState = SqlState.AmbiguousFunction;
}

export interface ResolvedCall {
  readonly signature: FunctionSignature;
  /** The concrete type each argument is coerced to (polymorphic positions resolved). */
  readonly argTypes: readonly number[];
  readonly returnType: number;
}

const byNameAndArity = new Map<string, FunctionSignature[]>();
/** `VARIADIC "any"` functions by name: they take any number of arguments from their last slot on. */
const variadicByName = new Map<string, FunctionSignature[]>();
for (const signature of builtinFunctions) {
  const key = `${signature.kind === "operator" ? "op" : "fn"}:${signature.name}/${signature.argTypes.length}`;
  const list = byNameAndArity.get(key) ?? [];
  list.push(signature);
  byNameAndArity.set(key, list);
  if (signature.variadicElementType === TypeOid.any) {
    variadicByName.set(signature.name, [...(variadicByName.get(signature.name) ?? []), signature]);
  }
}

/** Candidates for a call of `name` with `arity` arguments, variadic ones expanded to that arity. */
function functionCandidates(name: string, arity: number): FunctionSignature[] {
  const fixed = byNameAndArity.get(`fn:${name}/${arity}`) ?? [];
  const variadic = (variadicByName.get(name) ?? [])
    .filter((signature) => arity >= signature.argTypes.length && signature.argTypes.length !== arity)
    .map((signature) => ({
      ...signature,
      argTypes: [...signature.argTypes, ...Array.from({ length: arity - signature.argTypes.length }, () => TypeOid.any)],
    }));
  return [...fixed, ...variadic];
}

const castsBySource = new Map<number, Map<number, CastSignature>>();
for (const cast of builtinCasts) {
  const targets = castsBySource.get(cast.source) ?? new Map<number, CastSignature>();
  targets.set(cast.target, cast);
  castsBySource.set(cast.source, targets);
}

const contextRank: Readonly<Record<CastContext, number>> = { implicit: 0, assignment: 1, explicit: 2 };

export type ElementCastPath =
  | { readonly method: "function"; readonly castId: string }
  | { readonly method: "binary" }
  | { readonly method: "io" };

export type CastPath =
  | { readonly method: "none" }
  | ElementCastPath
  | { readonly method: "array"; readonly element: ElementCastPath; readonly sourceElement: number; readonly targetElement: number };

/**
 * How a value of `source` becomes `target` in `context`, or undefined when it cannot. Besides
 * pg_cast, PostgreSQL converts any type to a string type through text I/O in assignment context,
 * and from a string type to anything explicitly.
 */
export function findCast(source: number, target: number, context: CastContext): CastPath | undefined {
  if (source === target) return { method: "none" };
  const sourceElement = typeInfo(source)?.elementOid;
  const targetElement = typeInfo(target)?.elementOid;
  if (sourceElement !== undefined && targetElement !== undefined) {
    // Arrays convert element by element, in the context the element cast allows.
    const element = findCast(sourceElement, targetElement, context);
    if (element?.method === "none") {
      // Same elements, another array type: int2vector → int2[] and oidvector → oid[] relabel
      // (pg_cast's binary casts); nothing casts into a vector type.
      return target === TypeOid.int2vector || target === TypeOid.oidvector ? undefined : { method: "binary" };
    }
    if (element === undefined || element.method === "array") return element;
    return { method: "array", element, sourceElement, targetElement };
  }
  const cast = castsBySource.get(source)?.get(target);
  if (cast !== undefined) {
    if (contextRank[cast.context] > contextRank[context]) return undefined;
    return cast.id === undefined ? { method: "binary" } : { method: "function", castId: cast.id };
  }
  const sourceCategory = typeInfo(source)?.category;
  const targetCategory = typeInfo(target)?.category;
  if (targetCategory === "S" && context !== "implicit") return { method: "io" };
  if (sourceCategory === "S" && context === "explicit") return { method: "io" };
  return undefined;
}

function isArrayType(oid: number): boolean {
  return typeInfo(oid)?.elementOid !== undefined;
}

/** Whether an argument of type `source` can be passed where `target` is declared, implicitly. */
export function canCoerceImplicitly(source: number, target: number): boolean {
  if (source === target) return true;
  // An untyped literal can become anything, polymorphic positions included (PostgreSQL's
  // can_coerce_type checks it first), so `array_agg('a')` is ambiguous as in PostgreSQL.
  if (source === TypeOid.unknown) return true;
  if (target === anyNonArrayOid) return !isArrayType(source);
  if (target === TypeOid.anyenum) return isEnumOid(source);
  if (target === TypeOid.anyelement || target === TypeOid.any || target === TypeOid.anycompatible) return true;
  if (target === TypeOid.anyarray || target === TypeOid.anycompatiblearray) return isArrayType(source);
  return findCast(source, target, "implicit") !== undefined;
}

function category(oid: number): TypeCategory | undefined {
  return isEnumOid(oid) ? "E" : typeInfo(oid)?.category;
}

function isPreferred(oid: number): boolean {
  return typeInfo(oid)?.isPreferred === true;
}

export function formatTypeName(oid: number): string {
  return typeInfo(oid)?.displayName ?? `type ${oid}`;
}

export function resolveOperator(name: string, argTypes: readonly number[]): ResolvedCall {
  const candidates = byNameAndArity.get(`op:${name}/${argTypes.length}`) ?? [];
  const chosen = selectCandidate(candidates, argTypes, true);
  const shown = argTypes.length === 1 ? `${name} ${formatTypeName(argTypes[0] ?? 0)}` : `${formatTypeName(argTypes[0] ?? 0)} ${name} ${formatTypeName(argTypes[1] ?? 0)}`;
  if (chosen === "none") {
    throw new UndefinedFunctionError(`operator does not exist: ${shown}`, {
      hint: "No operator matches the given name and argument types. You might need to add explicit type casts.",
    });
  }
  if (chosen === "ambiguous") {
    throw new AmbiguousFunctionError(`operator is not unique: ${shown}`, {
      hint: "Could not choose a best candidate operator. You might need to add explicit type casts.",
    });
  }
  return concretize(chosen, argTypes);
}

export function resolveFunction(name: string, argTypes: readonly number[]): ResolvedCall {
  const candidates = functionCandidates(name, argTypes.length);
  const chosen = selectCandidate(candidates, argTypes, false);
  const shown = `${name}(${argTypes.map(formatTypeName).join(", ")})`;
  if (chosen === "none") {
    throw new UndefinedFunctionError(`function ${shown} does not exist`, {
      hint: "No function matches the given name and argument types. You might need to add explicit type casts.",
    });
  }
  if (chosen === "ambiguous") {
    throw new AmbiguousFunctionError(`function ${shown} is not unique`, {
      hint: "Could not choose a best candidate function. You might need to add explicit type casts.",
    });
  }
  return concretize(chosen, argTypes);
}

const elementFamily: ReadonlySet<number> = new Set([TypeOid.anyelement, anyNonArrayOid, TypeOid.anyarray, TypeOid.anyenum]);
const compatibleFamily: ReadonlySet<number> = new Set([TypeOid.anycompatible, TypeOid.anycompatiblearray]);

function isPolymorphic(oid: number): boolean {
  return elementFamily.has(oid) || compatibleFamily.has(oid) || oid === TypeOid.any;
}

function isArrayDeclared(oid: number): boolean {
  return oid === TypeOid.anyarray || oid === TypeOid.anycompatiblearray;
}

/**
 * PostgreSQL's `enforce_generic_type_consistency`: every anyelement/anyarray/anynonarray position
 * must agree on one element type (an array argument contributes its element type), the
 * anycompatible family takes the common type of its arguments, `"any"` takes each argument's own
 * type, and an untyped literal alone becomes text. Undefined when the arguments are inconsistent.
 */
function concretizeTypes(declared: readonly number[], actual: readonly number[]): number[] | undefined {
  const element = bindElementType(declared, actual, elementFamily);
  const compatibleInputs = declared.flatMap((type, i) => {
    const arg = actual[i] ?? TypeOid.unknown;
    if (!compatibleFamily.has(type) || arg === TypeOid.unknown) return [];
    return [isArrayDeclared(type) ? (typeInfo(arg)?.elementOid ?? arg) : arg];
  });
  const compatible = compatibleInputs.length === 0 ? TypeOid.text : commonTypeOrUndefined(compatibleInputs);
  if (element === null || compatible === undefined) return undefined;
  const arrayOf = (elementType: number): number | undefined => typeInfo(elementType)?.arrayOid;
  const concrete: number[] = [];
  for (const [i, type] of declared.entries()) {
    const arg = actual[i] ?? TypeOid.unknown;
    let result: number | undefined = type;
    // `"any"` takes the argument as it is, an untyped literal included (pg_typeof(NULL) is unknown).
    if (type === TypeOid.any) result = arg;
    else if (type === TypeOid.anyarray) result = arrayOf(element ?? TypeOid.text);
    else if (elementFamily.has(type)) result = element ?? TypeOid.text;
    else if (type === TypeOid.anycompatiblearray) result = arrayOf(compatible);
    else if (type === TypeOid.anycompatible) result = compatible;
    if (result === undefined) return undefined;
    concrete.push(result);
  }
  return concrete;
}

/** The element type the anyelement family agrees on; undefined if only unknowns; null if they conflict. */
function bindElementType(declared: readonly number[], actual: readonly number[], family: ReadonlySet<number>): number | undefined | null {
  let bound: number | undefined;
  for (const [i, type] of declared.entries()) {
    const arg = actual[i] ?? TypeOid.unknown;
    if (!family.has(type) || arg === TypeOid.unknown) continue;
    const candidate = isArrayDeclared(type) ? typeInfo(arg)?.elementOid : arg;
    if (candidate === undefined) return null;
    if (type === anyNonArrayOid && isArrayType(arg)) return null;
    if (type === TypeOid.anyenum && !isEnumOid(arg)) return null;
    if (bound !== undefined && bound !== candidate) return null;
    bound = candidate;
  }
  return bound;
}

function commonTypeOrUndefined(types: readonly number[]): number | undefined {
  try {
    return selectCommonType(types, "polymorphic");
  } catch {
    return undefined;
  }
}

function concretize(signature: FunctionSignature, argTypes: readonly number[]): ResolvedCall {
  const hasElementFamily = signature.argTypes.some((type) => elementFamily.has(type));
  if (hasElementFamily && bindElementType(signature.argTypes, argTypes, elementFamily) === undefined) {
    throw new DatatypeMismatchError("could not determine polymorphic type because input has type unknown");
  }
  const concrete = concretizeTypes(signature.argTypes, argTypes) ?? [...signature.argTypes];
  return { signature, argTypes: concrete, returnType: polymorphicReturn(signature, concrete) };
}

/** The concrete result type: a polymorphic result follows its family's resolved type. */
function polymorphicReturn(signature: FunctionSignature, concrete: readonly number[]): number {
  const declared = signature.returnType;
  if (!isPolymorphic(declared)) return declared;
  const family = compatibleFamily.has(declared) ? compatibleFamily : elementFamily;
  const index = signature.argTypes.findIndex((type) => family.has(type));
  const resolved = index < 0 ? TypeOid.text : (concrete[index] ?? TypeOid.text);
  const elementType = isArrayDeclared(signature.argTypes[index] ?? 0) ? (typeInfo(resolved)?.elementOid ?? resolved) : resolved;
  if (isArrayDeclared(declared)) return typeInfo(elementType)?.arrayOid ?? elementType;
  return elementType;
}

/**
 * PostgreSQL's `select_common_type`: the type CASE, COALESCE, GREATEST/LEAST, IN lists, UNION,
 * ARRAY[…] and the anycompatible family convert their inputs to. All-unknown inputs are text;
 * otherwise the first known type's category decides, a preferred type of that category wins once
 * seen; inputs of another category fail with 42804, and an input that cannot reach the result
 * implicitly with 42846, as coerce_to_common_type reports it.
 */
/**
 * PostgreSQL's select_common_type. With `isVerified` (the default: IN lists and set operations
 * check every input up front) an input that cannot reach the chosen type is 42846 here; CASE,
 * COALESCE, GREATEST/LEAST and ARRAY pass false and check each input as they coerce it, in
 * order, so an earlier bad literal (22P02, 22007) is reported first, as there.
 */
export function selectCommonType(types: readonly number[], construct: string, isVerified = true): number {
  const known = types.filter((type) => type !== TypeOid.unknown);
  let chosen = known[0];
  if (chosen === undefined) return TypeOid.text;
  const chosenCategory = category(chosen);
  for (const type of known.slice(1)) {
    if (type === chosen) continue;
    if (category(type) !== chosenCategory) {
      throw new DatatypeMismatchError(`${construct} types ${formatTypeName(chosen)} and ${formatTypeName(type)} cannot be matched`);
    }
    const isTakeover = !isPreferred(chosen) && canCoerceImplicitly(chosen, type) && !canCoerceImplicitly(type, chosen);
    if (isTakeover) chosen = type;
  }
  for (const type of isVerified ? known : []) {
    if (!canCoerceImplicitly(type, chosen)) {
      throw new CannotCoerceError(`${construct} could not convert type ${formatTypeName(type)} to ${formatTypeName(chosen)}`);
    }
  }
  return chosen;
}

type Choice = FunctionSignature | "none" | "ambiguous";

function selectCandidate(all: readonly FunctionSignature[], argTypes: readonly number[], isOperator: boolean): Choice {
  const exact = findExactMatch(all, argTypes, isOperator);
  if (exact !== undefined) return exact;
  let candidates = all.filter((c) => {
    const concrete = concretizeTypes(c.argTypes, argTypes);
    return concrete !== undefined && argTypes.every((type, i) => canCoerceImplicitly(type, concrete[i] ?? 0));
  });
  if (candidates.length <= 1) return candidates[0] ?? "none";
  candidates = keepBest(candidates, (c) => countMatches(c, argTypes, (declared, actual) => declared === actual));
  if (candidates.length === 1) return candidates[0] ?? "none";
  candidates = keepBest(candidates, (c) =>
    countMatches(c, argTypes, (declared, actual) => declared !== actual && actual !== TypeOid.unknown && isPreferred(declared)),
  );
  if (candidates.length === 1) return candidates[0] ?? "none";
  candidates = narrowUnknowns(candidates, argTypes);
  if (candidates.length === 1) return candidates[0] ?? "none";
  return assumeKnownType(candidates, argTypes);
}

function findExactMatch(all: readonly FunctionSignature[], argTypes: readonly number[], isOperator: boolean): FunctionSignature | undefined {
  let lookup = argTypes;
  if (isOperator && argTypes.length === 2) {
    const [left, right] = argTypes;
    if (left === TypeOid.unknown && right !== TypeOid.unknown && right !== undefined) lookup = [right, right];
    if (right === TypeOid.unknown && left !== TypeOid.unknown && left !== undefined) lookup = [left, left];
  }
  return all.find((c) => c.argTypes.every((declared, i) => declared === lookup[i]));
}

function countMatches(
  candidate: FunctionSignature,
  argTypes: readonly number[],
  isMatch: (declared: number, actual: number) => boolean,
): number {
  return argTypes.reduce((count, actual, i) => count + (isMatch(candidate.argTypes[i] ?? 0, actual) ? 1 : 0), 0);
}

function keepBest(candidates: readonly FunctionSignature[], score: (c: FunctionSignature) => number): FunctionSignature[] {
  const best = Math.max(...candidates.map(score));
  return candidates.filter((c) => score(c) === best);
}

/**
 * At each `unknown` position: the string category if any candidate takes it, else the category
 * all candidates share. If some position has neither, nothing is narrowed (PostgreSQL's
 * `func_select_candidate` gives up on unknowns entirely and falls through to the next rule).
 */
function narrowUnknowns(candidates: readonly FunctionSignature[], argTypes: readonly number[]): FunctionSignature[] {
  const chosen = new Map<number, TypeCategory | undefined>();
  for (const [i, actual] of argTypes.entries()) {
    if (actual !== TypeOid.unknown) continue;
    const categories = new Set(candidates.map((c) => category(c.argTypes[i] ?? 0)));
    if (categories.has("S")) chosen.set(i, "S");
    else if (categories.size === 1) chosen.set(i, [...categories][0]);
    else return [...candidates];
  }
  let remaining = [...candidates];
  for (const [i, selected] of chosen) {
    remaining = remaining.filter((c) => category(c.argTypes[i] ?? 0) === selected);
    if (remaining.some((c) => isPreferred(c.argTypes[i] ?? 0))) {
      remaining = remaining.filter((c) => isPreferred(c.argTypes[i] ?? 0));
    }
  }
  return remaining;
}

/** If the known arguments share one type, the unknown ones are assumed to have it. */
function assumeKnownType(candidates: readonly FunctionSignature[], argTypes: readonly number[]): Choice {
  const known = new Set(argTypes.filter((type) => type !== TypeOid.unknown));
  if (candidates.length === 0) return "none";
  if (known.size !== 1) return "ambiguous";
  const [assumed] = [...known];
  const filled = argTypes.map((type) => (type === TypeOid.unknown ? (assumed ?? type) : type));
  const passing = candidates.filter((c) => {
    const concrete = concretizeTypes(c.argTypes, filled);
    return concrete !== undefined && filled.every((type, i) => canCoerceImplicitly(type, concrete[i] ?? 0));
  });
  // Several candidates were left and none (or more than one) takes the assumed type: ambiguous.
  return passing.length === 1 ? (passing[0] ?? "none") : "ambiguous";
}
