/**
 * Keyword categories, as PostgreSQL 15's `kwlist.h` defines them. Only the categories that
 * restrict where a word may appear are listed; every other word (including the many unreserved
 * keywords such as BEGIN or ISOLATION) is an identifier that the parser recognizes by context.
 *
 * - reserved: never a column, table, function or type name, nor a bare alias.
 * - type/function names: may name a function or type, never a column or table (`LEFT`, `JOIN`).
 * - column names: may name a column or table, never a function or type (`INTEGER`, `BETWEEN`),
 *   which is why `COALESCE(…)` and `INTERVAL '1 day'` are grammar, not calls.
 */

export const reservedKeywords: ReadonlySet<string> = new Set([
  "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "both", "case", "cast",
  "check", "collate", "column", "constraint", "create", "current_catalog", "current_date", "current_role",
  "current_time", "current_timestamp", "current_user", "default", "deferrable", "desc", "distinct", "do",
  "else", "end", "except", "false", "fetch", "for", "foreign", "from", "grant", "group", "having", "in",
  "initially", "intersect", "into", "lateral", "leading", "limit", "localtime", "localtimestamp", "not",
  "null", "offset", "on", "only", "or", "order", "placing", "primary", "references", "returning", "select",
  "session_user", "some", "symmetric", "table", "then", "to", "trailing", "true", "union", "unique", "user",
  "using", "variadic", "when", "where", "window", "with",
]);

export const typeFuncNameKeywords: ReadonlySet<string> = new Set([
  "authorization", "binary", "collation", "concurrently", "cross", "current_schema", "freeze", "full",
  "ilike", "inner", "is", "isnull", "join", "left", "like", "natural", "notnull", "outer", "overlaps",
  "right", "similar", "tablesample", "verbose",
]);

export const colNameKeywords: ReadonlySet<string> = new Set([
  "between", "bigint", "bit", "boolean", "char", "character", "coalesce", "dec", "decimal", "exists",
  "extract", "float", "greatest", "grouping", "inout", "int", "integer", "interval", "least", "national",
  "nchar", "none", "normalize", "nullif", "numeric", "out", "overlay", "position", "precision", "real",
  "row", "setof", "smallint", "substring", "time", "timestamp", "treat", "trim", "values", "varchar",
  "xmlattributes", "xmlconcat", "xmlelement", "xmlexists", "xmlforest", "xmlnamespaces", "xmlparse",
  "xmlpi", "xmlroot", "xmlserialize", "xmltable",
]);

/** Reserved and type/function-name keywords together: the words that are never a `ColId`. */
const notColId: ReadonlySet<string> = new Set([...reservedKeywords, ...typeFuncNameKeywords]);

/** A word that may name a column, table, schema or alias: PostgreSQL's `ColId`. */
/**
 * Keywords PostgreSQL 15 marks AS_LABEL: after a select-list expression they need AS to be an
 * alias (`SELECT 1 AS year`). Every other word, reserved or not, may be a bare alias
 * (`SELECT 1 table`), which is `pg_get_keywords()`'s `barelabel`.
 */
export const asLabelKeywords: ReadonlySet<string> = new Set([
  "array", "as", "char", "character", "create", "day", "except", "fetch", "filter", "for", "from", "grant", "group",
  "having", "hour", "intersect", "into", "isnull", "limit", "minute", "month", "notnull", "offset", "on", "order",
  "over", "overlaps", "precision", "returning", "second", "to", "union", "varying", "where", "window", "with",
  "within", "without", "year",
]);

export function isColId(word: string): boolean {
  return !notColId.has(word);
}

/** A word that may name a function or type: PostgreSQL's `type_function_name`. */
export function isTypeFunctionName(word: string): boolean {
  return !reservedKeywords.has(word) && !colNameKeywords.has(word);
}

/**
 * Unreserved words this grammar reads specially where a name could also stand: `SET LOCAL x`,
 * `WITH RECURSIVE`, `OVER (ROWS …)`, `ROWS UNBOUNDED PRECEDING`, `(a EXCLUDE …)`, an index
 * element's `NULLS`/`INCLUDE`, `GROUP BY ROLLUP (…)`, `double precision`, `OPERATOR(…)`. The
 * deparser quotes them so a name never reads back as the keyword.
 */
const contextualWords: ReadonlySet<string> = new Set([
  "local", "session", "transaction", "names", "schema", "role", "exclude", "recursive", "partition", "rows",
  "range", "groups", "unbounded", "nulls", "include", "tablespace", "rollup", "cube", "double", "operator",
  "current", "ordinality", "materialized", "filter", "over", "within", "escape", "at", "uescape",
]);

/** Whether a name must be double-quoted to read back as itself. */
export function needsQuoting(name: string): boolean {
  if (!/^[a-z_][a-z0-9_$]*$/.test(name)) return true;
  return (
    reservedKeywords.has(name) ||
    typeFuncNameKeywords.has(name) ||
    colNameKeywords.has(name) ||
    contextualWords.has(name)
  );
}
