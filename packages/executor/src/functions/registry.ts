/**
 * The executor's implementations of the planner's built-in signatures, by id. Each family module
 * exports a `FunctionTable`; the registry merges them and fails loudly at start-up if two
 * families claim the same id. `lookup` is called while compiling an expression, never per row.
 */
import { assert } from "@omnikv/base";
import type { BoundExpr } from "@omnikv/planner";
import type { CompiledExpr } from "../expr/compile.ts";
import type { FunctionTable, ScalarFunction, TypedFunctionTable, TypedScalarFunction } from "./function-types.ts";

/** Compiles a subquery expression (its plan included); plan compilation supplies it. */
export type SubqueryCompiler = (expr: Extract<BoundExpr, { kind: "subquery" }>, registry: FunctionRegistry) => CompiledExpr;

export class FunctionRegistry {
  #functions = new Map<string, ScalarFunction>();
  #typed = new Map<string, TypedScalarFunction>();
  #subqueries: SubqueryCompiler | undefined = undefined;

  constructor(tables: readonly FunctionTable[], typedTables: readonly TypedFunctionTable[] = []) {
    for (const table of tables) {
      for (const [id, fn] of Object.entries(table)) {
        assert(!this.#functions.has(id), `the signature ${id} is implemented once`);
        this.#functions.set(id, fn);
      }
    }
    for (const table of typedTables) {
      for (const [id, build] of Object.entries(table)) {
        assert(!this.#functions.has(id) && !this.#typed.has(id), `the signature ${id} is implemented once`);
        this.#typed.set(id, build);
      }
    }
  }

  has(id: string): boolean {
    return this.#functions.has(id) || this.#typed.has(id);
  }

  /**
   * The implementation of a signature the planner resolved, specialized for `argTypes` when it
   * needs them; called once per call site while compiling. A missing one is a build bug.
   */
  lookup(id: string, argTypes: readonly number[] = []): ScalarFunction {
    const fn = this.#functions.get(id);
    if (fn !== undefined) return fn;
    const build = this.#typed.get(id);
    assert(build !== undefined, `the executor implements ${id}`);
    return build(argTypes);
  }

  /** How subquery expressions compile, when this registry compiles inside a plan. */
  get subqueries(): SubqueryCompiler | undefined {
    return this.#subqueries;
  }

  /** The same implementations, able to compile subquery expressions with `compiler`. */
  withSubqueries(compiler: SubqueryCompiler): FunctionRegistry {
    const copy = new FunctionRegistry([]);
    copy.#functions = this.#functions;
    copy.#typed = this.#typed;
    copy.#subqueries = compiler;
    return copy;
  }

  get ids(): readonly string[] {
    return [...this.#functions.keys(), ...this.#typed.keys()];
  }
}
