/**
 * The names of result columns without an alias: PostgreSQL's FigureColname.
 */
import { assertNever } from "@omnikv/base";
import type { Expr, QueryBody } from "@omnikv/parser";

/** PostgreSQL's FigureColname: the name a result column gets without an alias. */
export function columnNameOf(expr: Expr): string {
  return figureColname(expr)?.name ?? "?column?";
}

/**
 * FigureColnameInternal: a name and its strength — 2 for a real name (a column, a function, a
 * keyword construct), 1 for a fallback (a cast's type name, "case"). A cast keeps its operand's
 * real name and otherwise names the column after its own type, so `x::int` is "x" and
 * `'1'::oidvector::oid[]` is "oid"; a subscript and COLLATE take their operand's name; CASE takes
 * its ELSE's real name, else "case".
 */
function figureColname(expr: Expr): { readonly name: string; readonly strength: 1 | 2 } | undefined {
  switch (expr.kind) {
    case "column_ref": {
      const last = expr.names.at(-1);
      return last === undefined || expr.isStar ? undefined : { name: last, strength: 2 };
    }
    case "func_call": {
      const last = expr.name.at(-1);
      return last === undefined ? undefined : { name: last, strength: 2 };
    }
    case "field_select":
      return expr.field === "*" ? undefined : { name: expr.field, strength: 2 };
    case "subscript":
    case "collate":
      return figureColname(expr.expr);
    case "cast": {
      const inner = figureColname(expr.expr);
      if (inner !== undefined && inner.strength === 2) return inner;
      const last = expr.type.names.at(-1);
      return last === undefined ? inner : { name: last, strength: 1 };
    }
    case "case": {
      const inner = expr.elseResult === undefined ? undefined : figureColname(expr.elseResult);
      return inner !== undefined && inner.strength === 2 ? inner : { name: "case", strength: 1 };
    }
    case "grouping":
      return { name: "grouping", strength: 2 };
    case "array":
    case "array_subquery":
      return { name: "array", strength: 2 };
    case "row":
      return { name: "row", strength: 2 };
    case "exists":
      return { name: "exists", strength: 2 };
    case "scalar_subquery":
      return { name: subqueryColumnName(expr.query.body), strength: 2 };
    case "sql_value_function":
    case "special_function":
      return { name: expr.name, strength: 2 };
    case "between":
    case "binary":
    case "bit_string":
    case "bool_expr":
    case "boolean":
    case "default":
    case "in_list":
    case "in_subquery":
    case "is":
    case "is_distinct_from":
    case "like":
    case "named_arg":
    case "not":
    case "null":
    case "number":
    case "param":
    case "quantified_array":
    case "quantified_subquery":
    case "string":
    case "unary":
      return undefined;
    default:
      return assertNever(expr);
  }
}

/** A scalar subquery's column is named after its query's first result column (leftmost for set operations). */
function subqueryColumnName(body: QueryBody): string {
  if (body.kind === "select") return subqueryColumnName(body.body);
  if (body.kind === "set_operation") return subqueryColumnName(body.left);
  if (body.kind === "values") return "column1";
  const first = body.targets[0];
  if (first === undefined) return "?column?";
  return first.alias ?? columnNameOf(first.expr);
}
