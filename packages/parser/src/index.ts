/**
 * @omnikv/parser — PostgreSQL-dialect SQL text to an immutable, positioned AST (`parse`) and back
 * (`deparse`). Hand-written lexer and recursive descent with precedence climbing; depends only on
 * `@omnikv/base`.
 */
export { parse, parseDefaults } from "./parse.ts";
export type { ParseOptions } from "./parse.ts";
export { SqlSyntaxError, UndefinedParameterError, WindowingError } from "./errors.ts";
export { tokenize, TokenType } from "./lexer.ts";
export type { Token } from "./lexer.ts";
export type * from "./ast.ts";
export { deparse } from "./deparse.ts";
export { toSExpr } from "./sexpr.ts";
export type { SExprOptions } from "./sexpr.ts";
