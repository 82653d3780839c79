/**
 * The shape of the built-in function catalog: PostgreSQL's `pg_proc`/`pg_operator`/`pg_cast` as
 * data. The planner resolves calls, operators and casts against these signatures; the executor
 * implements each signature under the same `id`. A test in the executor checks that every id
 * has exactly one implementation, so the two sides cannot drift apart.
 */
import { assert, typeInfo } from "@omnikv/base";

export type Volatility = "immutable" | "stable" | "volatile";

export interface FunctionSignature {
  /** Unique across the catalog, and the executor's implementation key: `+(int4,int8)`, `lower(text)`. */
  readonly id: string;
  /** The SQL name: a lowercase function name, or an operator symbol. */
  readonly name: string;
  readonly kind: "function" | "operator" | "aggregate";
  /** Argument type OIDs; `anyelement`, `anyarray`, `anynonarray` are polymorphic. */
  readonly argTypes: readonly number[];
  /** For `VARIADIC`: the element type of the trailing array argument. */
  readonly variadicElementType?: number;
  /** The result type OID; for polymorphic signatures it may be `anyelement` or `anyarray`. */
  readonly returnType: number;
  /** A NULL argument gives NULL without calling the implementation (PostgreSQL's `proisstrict`). */
  readonly isStrict: boolean;
  readonly volatility: Volatility;
  /** Returns a set of rows (`generate_series`, `unnest`), allowed in FROM and the select list. */
  readonly returnsSet?: boolean;
  /**
   * For a set-returning function with several output columns (`jsonb_each` → key, value): their
   * names and types. A one-column function's column is `returnType`, named after the function.
   */
  readonly outputColumns?: readonly { readonly name: string; readonly type: number }[];
}

/** PostgreSQL's `pg_cast.castcontext`: where a cast may be applied without being written. */
export type CastContext = "implicit" | "assignment" | "explicit";

export interface CastSignature {
  /** The executor's implementation key, `cast(int4,int8)`; absent for binary-coercible casts. */
  readonly id?: string;
  readonly source: number;
  readonly target: number;
  readonly context: CastContext;
}

/** `anynonarray`: a polymorphic argument that matches any non-array type. */
export const anyNonArrayOid = 2776;

export function typeName(oid: number): string {
  if (oid === anyNonArrayOid) return "anynonarray";
  const info = typeInfo(oid);
  assert(info !== undefined, `type ${oid} is in the type catalog`);
  return info.name;
}

export interface SignatureSpec {
  readonly name: string;
  readonly kind?: FunctionSignature["kind"];
  readonly args: readonly number[];
  readonly returns: number;
  readonly isStrict?: boolean;
  readonly volatility?: Volatility;
  readonly variadicElementType?: number;
  readonly returnsSet?: boolean;
  readonly outputColumns?: readonly { readonly name: string; readonly type: number }[];
}

/** A signature from a compact spec: the id is derived from the name and argument type names. */
export function signature(spec: SignatureSpec): FunctionSignature {
  return {
    id: signatureId(spec.name, spec.args.map(typeName)),
    name: spec.name,
    kind: spec.kind ?? "function",
    argTypes: spec.args,
    returnType: spec.returns,
    isStrict: spec.isStrict ?? true,
    volatility: spec.volatility ?? "immutable",
    ...(spec.variadicElementType === undefined ? {} : { variadicElementType: spec.variadicElementType }),
    ...(spec.returnsSet === true ? { returnsSet: true } : {}),
    ...(spec.outputColumns === undefined ? {} : { outputColumns: spec.outputColumns }),
  };
}

/** The signature's id from its name and argument type names. */
export function signatureId(name: string, argTypeNames: readonly string[]): string {
  return `${name}(${argTypeNames.join(",")})`;
}
