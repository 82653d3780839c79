/**
 * The abstract syntax tree of the PostgreSQL dialect OmniKV-TS speaks.
 *
 * Every node is a plain, readonly object with a `kind` discriminant and `pos`, the 0-based
 * character offset in the statement text where the construct starts (errors report it 1-based,
 * as PostgreSQL's ErrorResponse does). Nodes are immutable by type: the parser builds them once
 * and nothing downstream mutates them.
 *
 * Invariants the parser guarantees, and `deparse` relies on:
 * - Identifiers are already case-folded (unquoted words lowercased, quoted ones verbatim) and
 *   truncated to 63 bytes, so `name` fields compare with `===`.
 * - Parentheses leave no node behind: `(a + b) * c` is a `binary` whose left is the `binary`.
 * - AND and OR chains are flattened (`bool_expr` with two or more args), so a WHERE with
 *   thousands of ORs an ORM generated is one node, not a thousand-deep tree.
 * - Unary minus applied to a number literal is folded into it (`number` with text "-1"), as
 *   PostgreSQL does, so `-2147483648` can be an int4.
 * - Syntax PostgreSQL rewrites to ordinary function calls is rewritten the same way (to
 *   `pg_catalog.<name>`): SUBSTRING(x FROM a FOR b), POSITION(a IN b), TRIM, OVERLAY, EXTRACT,
 *   AT TIME ZONE.
 */

/** Fields every node has. */
export interface NodeBase {
  /** 0-based character offset in the source text where this construct starts. */
  readonly pos: number;
}

/** A possibly schema-qualified name: `["pg_catalog", "int4"]`, `["t"]`. */
export type QualifiedName = readonly string[];

// ---------------------------------------------------------------------------------------------
// Expressions

export interface ColumnRef extends NodeBase {
  readonly kind: "column_ref";
  /** `a`, `t.a`, `s.t.a`; empty for a bare `*`. */
  readonly names: readonly string[];
  /** `*` or `t.*`. */
  readonly isStar: boolean;
}

/** A numeric literal exactly as written (minus folded in): integer, decimal or exponent form. */
export interface NumberLiteral extends NodeBase {
  readonly kind: "number";
  readonly text: string;
  /** Written without a decimal point or exponent. */
  readonly isInteger: boolean;
}

export interface StringLiteral extends NodeBase {
  readonly kind: "string";
  /** The value after escape processing and concatenation of adjacent literals. */
  readonly value: string;
}

/** `B'0101'` or `X'1F'`: PostgreSQL bit strings. `value` holds binary digits. */
export interface BitStringLiteral extends NodeBase {
  readonly kind: "bit_string";
  readonly value: string;
}

export interface BooleanLiteral extends NodeBase {
  readonly kind: "boolean";
  readonly value: boolean;
}

export interface NullLiteral extends NodeBase {
  readonly kind: "null";
}

/** `$1`: a bind parameter, 1-based. */
export interface Param extends NodeBase {
  readonly kind: "param";
  readonly index: number;
}

/** `DEFAULT` in an INSERT VALUES row or an UPDATE SET. */
export interface DefaultExpr extends NodeBase {
  readonly kind: "default";
}

export interface TypeName extends NodeBase {
  readonly kind: "type_name";
  /** Canonical names for SQL-standard spellings: `integer` → `["int4"]`, `double precision` → `["float8"]`. */
  readonly names: QualifiedName;
  /** Type modifiers: `varchar(10)` → `[10]`, `numeric(10, 2)` → `[10, 2]`. */
  readonly modifiers: readonly Expr[];
  /** One entry per `[]`/`[n]`: the declared bound, or -1 when unspecified. */
  readonly arrayBounds: readonly number[];
  /** For `interval`: the field restriction, e.g. `"day to second"`. */
  readonly intervalFields?: string;
}

export interface Cast extends NodeBase {
  readonly kind: "cast";
  readonly expr: Expr;
  readonly type: TypeName;
}

/** A binary operator other than AND/OR: arithmetic, comparison, `||`, `~`, `@>`, `->` … */
export interface BinaryExpr extends NodeBase {
  readonly kind: "binary";
  readonly op: string;
  /** Set for `OPERATOR(schema.op)`. */
  readonly opSchema?: string;
  readonly left: Expr;
  readonly right: Expr;
}

/** A prefix operator: `-x`, `+x`, `~x`, `@x`, `|/x`. */
export interface UnaryExpr extends NodeBase {
  readonly kind: "unary";
  readonly op: string;
  readonly opSchema?: string;
  readonly operand: Expr;
}

export interface BoolExpr extends NodeBase {
  readonly kind: "bool_expr";
  readonly op: "and" | "or";
  /** At least two; never a `bool_expr` of the same op (chains and parenthesized operands are flattened). */
  readonly args: readonly Expr[];
}

export interface NotExpr extends NodeBase {
  readonly kind: "not";
  readonly operand: Expr;
}

/** `x IS [NOT] NULL | TRUE | FALSE | UNKNOWN`, also `ISNULL` and `NOTNULL`. */
export interface IsExpr extends NodeBase {
  readonly kind: "is";
  readonly expr: Expr;
  readonly test: "null" | "true" | "false" | "unknown";
  readonly isNegated: boolean;
}

export interface IsDistinctFrom extends NodeBase {
  readonly kind: "is_distinct_from";
  readonly left: Expr;
  readonly right: Expr;
  /** `IS NOT DISTINCT FROM`. */
  readonly isNegated: boolean;
}

export interface BetweenExpr extends NodeBase {
  readonly kind: "between";
  readonly expr: Expr;
  readonly low: Expr;
  readonly high: Expr;
  readonly isNegated: boolean;
  readonly isSymmetric: boolean;
}

export interface LikeExpr extends NodeBase {
  readonly kind: "like";
  readonly op: "like" | "ilike" | "similar";
  readonly expr: Expr;
  readonly pattern: Expr;
  readonly escape?: Expr;
  readonly isNegated: boolean;
}

export interface InList extends NodeBase {
  readonly kind: "in_list";
  readonly expr: Expr;
  readonly items: readonly Expr[];
  readonly isNegated: boolean;
}

export interface InSubquery extends NodeBase {
  readonly kind: "in_subquery";
  readonly expr: Expr;
  readonly query: SelectStatement;
  readonly isNegated: boolean;
}

/** `x op ANY|SOME|ALL (subquery)`. */
export interface QuantifiedSubquery extends NodeBase {
  readonly kind: "quantified_subquery";
  readonly op: string;
  readonly quantifier: "any" | "all";
  readonly left: Expr;
  readonly query: SelectStatement;
}

/** `x op ANY|SOME|ALL (array expression)`. */
export interface QuantifiedArray extends NodeBase {
  readonly kind: "quantified_array";
  readonly op: string;
  readonly quantifier: "any" | "all";
  readonly left: Expr;
  readonly array: Expr;
}

export interface ExistsExpr extends NodeBase {
  readonly kind: "exists";
  readonly query: SelectStatement;
}

export interface ScalarSubquery extends NodeBase {
  readonly kind: "scalar_subquery";
  readonly query: SelectStatement;
}

/** `ARRAY(SELECT …)`. */
export interface ArraySubquery extends NodeBase {
  readonly kind: "array_subquery";
  readonly query: SelectStatement;
}

/** `ARRAY[a, b]`; nested `[…]` inside it are `array` nodes too. */
export interface ArrayExpr extends NodeBase {
  readonly kind: "array";
  readonly elements: readonly Expr[];
}

/** `ROW(a, b)` or `(a, b)`. */
export interface RowExpr extends NodeBase {
  readonly kind: "row";
  readonly items: readonly Expr[];
  /** Written with the ROW keyword (required for zero or one item). */
  readonly isExplicit: boolean;
}

/** `x[i]` or `x[lo:hi]` (either bound may be omitted in a slice). */
export interface SubscriptExpr extends NodeBase {
  readonly kind: "subscript";
  readonly expr: Expr;
  readonly isSlice: boolean;
  readonly index?: Expr;
  readonly upper?: Expr;
}

/** `(x).field` or `(x).*`. */
export interface FieldSelect extends NodeBase {
  readonly kind: "field_select";
  readonly expr: Expr;
  /** `"*"` for `(x).*`. */
  readonly field: string;
}

export interface CaseExpr extends NodeBase {
  readonly kind: "case";
  /** Set for the simple form `CASE x WHEN …`. */
  readonly operand?: Expr;
  readonly whens: readonly CaseWhen[];
  readonly elseResult?: Expr;
}

export interface CaseWhen extends NodeBase {
  readonly kind: "case_when";
  readonly condition: Expr;
  readonly result: Expr;
}

/** COALESCE, NULLIF, GREATEST and LEAST: keywords with special evaluation, not functions. */
export interface SpecialFunction extends NodeBase {
  readonly kind: "special_function";
  readonly name: "coalesce" | "nullif" | "greatest" | "least";
  readonly args: readonly Expr[];
}

/** CURRENT_DATE, CURRENT_TIMESTAMP(p), CURRENT_USER and their kin. */
export interface SqlValueFunction extends NodeBase {
  readonly kind: "sql_value_function";
  readonly name: SqlValueFunctionName;
  readonly precision?: number;
}

export type SqlValueFunctionName =
  | "current_date"
  | "current_time"
  | "current_timestamp"
  | "localtime"
  | "localtimestamp"
  | "current_role"
  | "current_user"
  | "session_user"
  | "user"
  | "current_catalog"
  | "current_schema";

export interface FuncCall extends NodeBase {
  readonly kind: "func_call";
  readonly name: QualifiedName;
  readonly args: readonly Expr[];
  /** `count(*)`. */
  readonly isStar: boolean;
  readonly isDistinct: boolean;
  /** `VARIADIC` before the last argument. */
  readonly isVariadic: boolean;
  /** ORDER BY inside the argument list of an aggregate. */
  readonly orderBy: readonly SortBy[];
  /** `WITHIN GROUP (ORDER BY …)` of an ordered-set aggregate. */
  readonly withinGroup: readonly SortBy[];
  readonly filter?: Expr;
  readonly over?: WindowDef;
}

/** `name => value` in a function's argument list. */
export interface NamedArg extends NodeBase {
  readonly kind: "named_arg";
  readonly name: string;
  readonly value: Expr;
}

export interface CollateExpr extends NodeBase {
  readonly kind: "collate";
  readonly expr: Expr;
  readonly collation: QualifiedName;
}

/** `GROUPING(a, b)` in a query with grouping sets. */
export interface GroupingFunc extends NodeBase {
  readonly kind: "grouping";
  readonly args: readonly Expr[];
}

export type Expr =
  | ColumnRef
  | NumberLiteral
  | StringLiteral
  | BitStringLiteral
  | BooleanLiteral
  | NullLiteral
  | Param
  | DefaultExpr
  | Cast
  | BinaryExpr
  | UnaryExpr
  | BoolExpr
  | NotExpr
  | IsExpr
  | IsDistinctFrom
  | BetweenExpr
  | LikeExpr
  | InList
  | InSubquery
  | QuantifiedSubquery
  | QuantifiedArray
  | ExistsExpr
  | ScalarSubquery
  | ArraySubquery
  | ArrayExpr
  | RowExpr
  | SubscriptExpr
  | FieldSelect
  | CaseExpr
  | SpecialFunction
  | SqlValueFunction
  | FuncCall
  | NamedArg
  | CollateExpr
  | GroupingFunc;

// ---------------------------------------------------------------------------------------------
// Clauses shared by queries

export interface SortBy extends NodeBase {
  readonly kind: "sort_by";
  readonly expr: Expr;
  /** Absent when the query did not say; `using` carries `ORDER BY x USING <`. */
  readonly direction?: "asc" | "desc" | "using";
  readonly usingOp?: string;
  readonly nulls?: "first" | "last";
}

export interface WindowDef extends NodeBase {
  readonly kind: "window_def";
  /** The name this definition declares, in a WINDOW clause. */
  readonly name?: string;
  /** `OVER w` or `OVER (w ORDER BY …)`: the window this one refines. */
  readonly refName?: string;
  readonly partitionBy: readonly Expr[];
  readonly orderBy: readonly SortBy[];
  readonly frame?: WindowFrame;
}

export interface WindowFrame extends NodeBase {
  readonly kind: "window_frame";
  readonly mode: "rows" | "range" | "groups";
  readonly start: FrameBound;
  /** Absent for the one-bound form (`ROWS 2 PRECEDING`). */
  readonly end?: FrameBound;
  readonly exclusion?: "current_row" | "group" | "ties" | "no_others";
}

export interface FrameBound extends NodeBase {
  readonly kind: "frame_bound";
  readonly type: "unbounded_preceding" | "preceding" | "current_row" | "following" | "unbounded_following";
  readonly offset?: Expr;
}

export interface Alias extends NodeBase {
  readonly kind: "alias";
  readonly name: string;
  readonly columns: readonly string[];
}

export interface ResTarget extends NodeBase {
  readonly kind: "res_target";
  readonly expr: Expr;
  readonly alias?: string;
}

export interface WithClause extends NodeBase {
  readonly kind: "with";
  readonly isRecursive: boolean;
  readonly ctes: readonly CommonTableExpr[];
}

export interface CommonTableExpr extends NodeBase {
  readonly kind: "cte";
  readonly name: string;
  readonly columns: readonly string[];
  /** `AS MATERIALIZED` (true), `AS NOT MATERIALIZED` (false), or unsaid. */
  readonly isMaterialized?: boolean;
  readonly query: SelectStatement | InsertStatement | UpdateStatement | DeleteStatement;
}

export interface LockingClause extends NodeBase {
  readonly kind: "locking";
  readonly strength: "update" | "no_key_update" | "share" | "key_share";
  readonly tables: readonly QualifiedName[];
  readonly waitPolicy: "block" | "nowait" | "skip_locked";
}

// ---------------------------------------------------------------------------------------------
// FROM items

export interface TableRef extends NodeBase {
  readonly kind: "table_ref";
  readonly name: QualifiedName;
  readonly alias?: Alias;
  /** `ONLY t` (no inheritance children; accepted for compatibility). */
  readonly isOnly: boolean;
}

export interface SubqueryRef extends NodeBase {
  readonly kind: "subquery_ref";
  readonly query: SelectStatement;
  readonly alias?: Alias;
  readonly isLateral: boolean;
}

export interface FunctionRef extends NodeBase {
  readonly kind: "function_ref";
  readonly call: Expr;
  readonly alias?: Alias;
  readonly isLateral: boolean;
  readonly withOrdinality: boolean;
}

export interface JoinExpr extends NodeBase {
  readonly kind: "join";
  readonly joinType: "inner" | "left" | "right" | "full" | "cross";
  readonly isNatural: boolean;
  readonly left: FromItem;
  readonly right: FromItem;
  readonly on?: Expr;
  readonly using?: readonly string[];
  /** `(a JOIN b …) AS j`. */
  readonly alias?: Alias;
}

export type FromItem = TableRef | SubqueryRef | FunctionRef | JoinExpr;

// ---------------------------------------------------------------------------------------------
// Queries

/**
 * A whole query: a body plus the clauses that apply to its result. A parenthesized query that
 * has none of these clauses is not wrapped: `(SELECT 1) UNION SELECT 2` has a `select_core` on
 * the left, so the tree does not depend on redundant parentheses.
 */
export interface SelectStatement extends NodeBase {
  readonly kind: "select";
  readonly with?: WithClause;
  readonly body: QueryBody;
  readonly orderBy: readonly SortBy[];
  readonly limit?: Expr;
  readonly offset?: Expr;
  /** `FETCH FIRST n ROWS WITH TIES`. */
  readonly isLimitWithTies: boolean;
  readonly locking: readonly LockingClause[];
}

export type QueryBody = SelectCore | SetOperation | ValuesList | SelectStatement;

export interface SelectCore extends NodeBase {
  readonly kind: "select_core";
  /** `DISTINCT` (true) or `DISTINCT ON (exprs)`. */
  readonly distinct: boolean | readonly Expr[];
  readonly targets: readonly ResTarget[];
  readonly from: readonly FromItem[];
  readonly where?: Expr;
  readonly groupBy: readonly Expr[];
  /**
   * GROUP BY with ROLLUP, CUBE, GROUPING SETS or `()`: the grouping sets, expanded (PostgreSQL's
   * expand_grouping_sets), each a list of indexes into `groupBy`, which then holds every distinct
   * grouping expression once. Absent for a plain GROUP BY list (one set of all of `groupBy`).
   */
  readonly groupingSets?: readonly (readonly number[])[];
  readonly having?: Expr;
  readonly windows: readonly WindowDef[];
}

export interface SetOperation extends NodeBase {
  readonly kind: "set_operation";
  readonly op: "union" | "intersect" | "except";
  readonly isAll: boolean;
  readonly left: QueryBody;
  readonly right: QueryBody;
}

export interface ValuesList extends NodeBase {
  readonly kind: "values";
  readonly rows: readonly (readonly Expr[])[];
}

// ---------------------------------------------------------------------------------------------
// DML

export interface InsertStatement extends NodeBase {
  readonly kind: "insert";
  readonly with?: WithClause;
  readonly table: QualifiedName;
  readonly alias?: string;
  readonly columns: readonly string[];
  readonly overriding?: "system" | "user";
  /** Absent for `DEFAULT VALUES`. */
  readonly source?: SelectStatement;
  readonly onConflict?: OnConflict;
  readonly returning: readonly ResTarget[];
}

export interface OnConflict extends NodeBase {
  readonly kind: "on_conflict";
  /** `ON CONFLICT (a, b) [WHERE …]`. */
  readonly targetColumns: readonly IndexElem[];
  readonly targetWhere?: Expr;
  /** `ON CONFLICT ON CONSTRAINT name`. */
  readonly targetConstraint?: string;
  readonly action: "nothing" | "update";
  readonly set: readonly SetClause[];
  readonly where?: Expr;
}

/** `col = expr` (one column) or `(a, b) = (…)` / `(a, b) = (SELECT …)`. */
export interface SetClause extends NodeBase {
  readonly kind: "set_clause";
  readonly columns: readonly string[];
  readonly value: Expr;
  /** Written with a parenthesized column list. */
  readonly isMulti: boolean;
}

export interface UpdateStatement extends NodeBase {
  readonly kind: "update";
  readonly with?: WithClause;
  readonly table: QualifiedName;
  readonly isOnly: boolean;
  readonly alias?: string;
  readonly set: readonly SetClause[];
  readonly from: readonly FromItem[];
  readonly where?: Expr;
  readonly returning: readonly ResTarget[];
}

export interface DeleteStatement extends NodeBase {
  readonly kind: "delete";
  readonly with?: WithClause;
  readonly table: QualifiedName;
  readonly isOnly: boolean;
  readonly alias?: string;
  readonly using: readonly FromItem[];
  readonly where?: Expr;
  readonly returning: readonly ResTarget[];
}

export interface TruncateStatement extends NodeBase {
  readonly kind: "truncate";
  readonly tables: readonly QualifiedName[];
  readonly restartIdentity: boolean;
  readonly behavior?: DropBehavior;
}

/** PostgreSQL's table lock modes, weakest first. */
export type TableLockMode = "access share" | "row share" | "row exclusive" | "share update exclusive" | "share" | "share row exclusive" | "exclusive" | "access exclusive";

/** LOCK [TABLE] [ONLY] name [*] [, …] [IN mode MODE] [NOWAIT]; the mode defaults to ACCESS EXCLUSIVE. */
export interface LockStatement extends NodeBase {
  readonly kind: "lock";
  readonly tables: readonly QualifiedName[];
  readonly mode: TableLockMode;
  readonly isNowait: boolean;
}

export interface CopyStatement extends NodeBase {
  readonly kind: "copy";
  readonly table?: QualifiedName;
  readonly columns: readonly string[];
  /** `COPY (SELECT …) TO …`. */
  readonly query?: SelectStatement;
  readonly direction: "from" | "to";
  /** `stdin`/`stdout`, or a server-side file name. */
  readonly target: "stdin" | "stdout" | { readonly file: string };
  /** Options in the modern form; the pre-9.0 keyword syntax is normalized into it. */
  readonly options: readonly GenericOption[];
  readonly where?: Expr;
}

/** `name [value]` in COPY, EXPLAIN and VACUUM option lists. */
export interface GenericOption extends NodeBase {
  readonly kind: "option";
  readonly name: string;
  /** Absent for a bare option; otherwise a string, number or identifier as written. */
  readonly value?: string | readonly string[];
}

// ---------------------------------------------------------------------------------------------
// DDL

export type DropBehavior = "cascade" | "restrict";

export interface CreateTableStatement extends NodeBase {
  readonly kind: "create_table";
  readonly name: QualifiedName;
  readonly ifNotExists: boolean;
  readonly persistence: "permanent" | "temporary" | "unlogged";
  readonly columns: readonly ColumnDef[];
  readonly constraints: readonly TableConstraint[];
  /** `WITH (fillfactor = 100)`: accepted and kept; storage ignores them. */
  readonly storageParams: readonly GenericOption[];
}

export interface CreateTableAsStatement extends NodeBase {
  readonly kind: "create_table_as";
  readonly name: QualifiedName;
  readonly ifNotExists: boolean;
  readonly persistence: "permanent" | "temporary" | "unlogged";
  readonly columns: readonly string[];
  readonly query: SelectStatement;
  readonly withData: boolean;
}

export interface ColumnDef extends NodeBase {
  readonly kind: "column_def";
  readonly name: string;
  readonly type: TypeName;
  readonly collation?: QualifiedName;
  readonly constraints: readonly ColumnConstraint[];
}

export type ReferentialAction = "no_action" | "restrict" | "cascade" | "set_null" | "set_default";

export interface ForeignKeySpec {
  readonly refTable: QualifiedName;
  readonly refColumns: readonly string[];
  readonly onDelete?: ReferentialAction;
  readonly onUpdate?: ReferentialAction;
  readonly match?: "full" | "partial" | "simple";
}

export type ColumnConstraint = NodeBase & { readonly kind: "column_constraint"; readonly name?: string } & (
    | { readonly type: "not_null" | "null" | "primary_key" | "unique" }
    | { readonly type: "default"; readonly expr: Expr }
    | { readonly type: "check"; readonly expr: Expr }
    | ({ readonly type: "references" } & ForeignKeySpec)
    | { readonly type: "identity"; readonly generated: "always" | "by_default"; readonly options: readonly SequenceOption[] }
    | { readonly type: "generated"; readonly expr: Expr }
  );

export type TableConstraint = NodeBase & { readonly kind: "table_constraint"; readonly name?: string } & (
    | { readonly type: "primary_key" | "unique"; readonly columns: readonly string[] }
    | { readonly type: "check"; readonly expr: Expr }
    | ({ readonly type: "foreign_key"; readonly columns: readonly string[] } & ForeignKeySpec)
  );

export interface DropStatement extends NodeBase {
  readonly kind: "drop";
  readonly objectType: "table" | "index" | "view" | "sequence" | "schema" | "type" | "domain";
  readonly names: readonly QualifiedName[];
  readonly ifExists: boolean;
  readonly isConcurrent: boolean;
  readonly behavior?: DropBehavior;
}

export interface AlterTableStatement extends NodeBase {
  readonly kind: "alter_table";
  readonly table: QualifiedName;
  readonly ifExists: boolean;
  readonly isOnly: boolean;
  readonly actions: readonly AlterTableAction[];
}

export type AlterTableAction = NodeBase & { readonly kind: "alter_table_action" } & (
    | { readonly type: "add_column"; readonly column: ColumnDef; readonly ifNotExists: boolean }
    | { readonly type: "drop_column"; readonly column: string; readonly ifExists: boolean; readonly behavior?: DropBehavior }
    | { readonly type: "add_constraint"; readonly constraint: TableConstraint }
    | { readonly type: "drop_constraint"; readonly constraint: string; readonly ifExists: boolean; readonly behavior?: DropBehavior }
    | { readonly type: "set_default"; readonly column: string; readonly expr: Expr }
    | { readonly type: "drop_default"; readonly column: string }
    | { readonly type: "set_not_null" | "drop_not_null"; readonly column: string }
    | { readonly type: "set_type"; readonly column: string; readonly dataType: TypeName; readonly using?: Expr }
  );

/** `ALTER TABLE t RENAME [COLUMN] a TO b`, `… RENAME CONSTRAINT a TO b`, `… RENAME TO u`, `ALTER ROLE r RENAME TO s`. */
/** `COMMENT ON <object> IS 'text' | NULL`: sets (NULL: removes) an object's description. */
export interface CommentStatement extends NodeBase {
  readonly kind: "comment";
  readonly objectType: "table" | "column" | "index" | "view" | "sequence" | "schema";
  /** The object's name; for a column, the table's name followed by the column's. */
  readonly name: QualifiedName;
  readonly comment: string | null;
}

export interface RenameStatement extends NodeBase {
  readonly kind: "rename";
  readonly objectType: "table" | "column" | "constraint" | "index" | "view" | "sequence" | "schema" | "role";
  readonly name: QualifiedName;
  readonly ifExists: boolean;
  /** The column or constraint renamed, for those object types. */
  readonly subName?: string;
  readonly newName: string;
}

export interface IndexElem extends NodeBase {
  readonly kind: "index_elem";
  /** A bare column name. */
  readonly column?: string;
  /** An expression (parenthesized or a function call). */
  readonly expr?: Expr;
  readonly collation?: QualifiedName;
  readonly opclass?: QualifiedName;
  readonly direction?: "asc" | "desc";
  readonly nulls?: "first" | "last";
}

export interface CreateIndexStatement extends NodeBase {
  readonly kind: "create_index";
  readonly name?: string;
  readonly table: QualifiedName;
  readonly isUnique: boolean;
  readonly ifNotExists: boolean;
  readonly isConcurrent: boolean;
  readonly method?: string;
  readonly elements: readonly IndexElem[];
  readonly include: readonly string[];
  readonly storageParams: readonly GenericOption[];
  readonly where?: Expr;
}

export interface CreateViewStatement extends NodeBase {
  readonly kind: "create_view";
  readonly name: QualifiedName;
  readonly orReplace: boolean;
  readonly isTemporary: boolean;
  readonly columns: readonly string[];
  readonly query: SelectStatement;
}

export interface SequenceOption extends NodeBase {
  readonly kind: "sequence_option";
  readonly name: "as" | "increment" | "minvalue" | "maxvalue" | "start" | "restart" | "cache" | "cycle" | "owned_by";
  /** Absent for `NO MINVALUE`, `NO MAXVALUE`, `NO CYCLE` (with `isNegated`) and bare `RESTART`. */
  readonly value?: NumberLiteral | TypeName | QualifiedName;
  readonly isNegated: boolean;
}

export interface CreateSequenceStatement extends NodeBase {
  readonly kind: "create_sequence";
  readonly name: QualifiedName;
  readonly ifNotExists: boolean;
  readonly isTemporary: boolean;
  readonly options: readonly SequenceOption[];
}

export interface AlterSequenceStatement extends NodeBase {
  readonly kind: "alter_sequence";
  readonly name: QualifiedName;
  readonly ifExists: boolean;
  readonly options: readonly SequenceOption[];
}

/** `CREATE TYPE name AS ENUM ('a', 'b')`: the labels in their declared order. */
export interface CreateEnumTypeStatement extends NodeBase {
  readonly kind: "create_enum_type";
  readonly name: QualifiedName;
  readonly labels: readonly string[];
}

/**
 * `ALTER TYPE name ADD VALUE [IF NOT EXISTS] 'x' [BEFORE | AFTER 'y']` and
 * `ALTER TYPE name RENAME VALUE 'x' TO 'y'` of an enum type.
 */
export interface AlterEnumTypeStatement extends NodeBase {
  readonly kind: "alter_enum_type";
  readonly name: QualifiedName;
  readonly action:
    | { readonly type: "add_value"; readonly label: string; readonly ifNotExists: boolean; readonly neighbor?: { readonly label: string; readonly isBefore: boolean } }
    | { readonly type: "rename_value"; readonly label: string; readonly newLabel: string }
    /** `ALTER TYPE name RENAME TO new` (an enum type or a domain). */
    | { readonly type: "rename_to"; readonly newName: string };
}

/**
 * `CREATE DOMAIN name [AS] type [COLLATE c] [DEFAULT expr] [[CONSTRAINT n] NOT NULL | NULL |
 * CHECK (expr)] …`: parsed as a column's constraint list (DEFAULT among them), as PostgreSQL's
 * grammar does; the kinds a domain cannot have are rejected when it is created.
 */
export interface CreateDomainStatement extends NodeBase {
  readonly kind: "create_domain";
  readonly name: QualifiedName;
  readonly type: TypeName;
  readonly collation?: QualifiedName;
  readonly constraints: readonly ColumnConstraint[];
}

export interface AlterDomainStatement extends NodeBase {
  readonly kind: "alter_domain";
  readonly name: QualifiedName;
  readonly action:
    | { readonly type: "set_default"; readonly expr: Expr }
    | { readonly type: "drop_default" | "set_not_null" | "drop_not_null" }
    | { readonly type: "add_constraint"; readonly constraint: ColumnConstraint }
    | { readonly type: "drop_constraint"; readonly constraintName: string; readonly ifExists: boolean; readonly behavior?: DropBehavior }
    | { readonly type: "rename_to"; readonly newName: string };
}

export interface CreateSchemaStatement extends NodeBase {
  readonly kind: "create_schema";
  readonly name?: string;
  readonly ifNotExists: boolean;
  readonly authorization?: string;
}

// ---------------------------------------------------------------------------------------------
// Transactions and session

export interface TransactionMode extends NodeBase {
  readonly kind: "transaction_mode";
  readonly isolationLevel?: "serializable" | "repeatable read" | "read committed" | "read uncommitted";
  readonly isReadOnly?: boolean;
  readonly isDeferrable?: boolean;
}

export interface TransactionStatement extends NodeBase {
  readonly kind: "transaction";
  readonly action: "begin" | "commit" | "rollback" | "savepoint" | "release" | "rollback_to";
  /** BEGIN's and START TRANSACTION's modes; one entry per mode written. */
  readonly modes: readonly TransactionMode[];
  readonly savepoint?: string;
  /** `COMMIT AND CHAIN`. */
  readonly chain: boolean;
}

/** `SET [SESSION|LOCAL] name {= | TO} value[, …] | DEFAULT`, `SET TIME ZONE …`. */
export interface SetStatement extends NodeBase {
  readonly kind: "set";
  readonly name: string;
  readonly isLocal: boolean;
  /** Empty for `DEFAULT`. Each value as written: a string, a number, or an identifier. */
  readonly values: readonly SetValue[];
}

export type SetValue = StringLiteral | NumberLiteral;

export interface SetTransactionStatement extends NodeBase {
  readonly kind: "set_transaction";
  /** `SET SESSION CHARACTERISTICS AS TRANSACTION …`. */
  readonly isSessionDefault: boolean;
  readonly modes: readonly TransactionMode[];
}

export interface ResetStatement extends NodeBase {
  readonly kind: "reset";
  /** `"all"` for RESET ALL. */
  readonly name: string;
}

export interface ShowStatement extends NodeBase {
  readonly kind: "show";
  readonly name: string;
}

export interface DiscardStatement extends NodeBase {
  readonly kind: "discard";
  readonly target: "all" | "plans" | "sequences" | "temporary";
}

export interface PrepareStatement extends NodeBase {
  readonly kind: "prepare";
  readonly name: string;
  readonly paramTypes: readonly TypeName[];
  readonly statement: Statement;
}

export interface ExecuteStatement extends NodeBase {
  readonly kind: "execute";
  readonly name: string;
  readonly params: readonly Expr[];
}

export interface DeallocateStatement extends NodeBase {
  readonly kind: "deallocate";
  /** Absent for `DEALLOCATE ALL`. */
  readonly name?: string;
}

export interface ExplainStatement extends NodeBase {
  readonly kind: "explain";
  /** ANALYZE and VERBOSE of the old syntax are normalized into options. */
  readonly options: readonly GenericOption[];
  readonly statement: Statement;
}

export interface AnalyzeStatement extends NodeBase {
  readonly kind: "analyze";
  readonly tables: readonly QualifiedName[];
  readonly isVerbose: boolean;
}

export interface VacuumStatement extends NodeBase {
  readonly kind: "vacuum";
  readonly tables: readonly QualifiedName[];
  readonly options: readonly GenericOption[];
}

/** CHECKPOINT: make everything written so far durable in the data files (not just the log). */
export interface CheckpointStatement extends NodeBase {
  readonly kind: "checkpoint";
}

// ---------------------------------------------------------------------------------------------
// Roles and privileges

export interface RoleOption extends NodeBase {
  readonly kind: "role_option";
  /** `superuser`, `login`, `createdb`, `createrole`, `inherit`, `replication`, `bypassrls` (boolean), `password`, `connection_limit`, `valid_until`, `in_role`. */
  readonly name: string;
  readonly value: boolean | number | string | null | readonly string[];
}

/** `ALTER TABLE | VIEW | SEQUENCE | SCHEMA name OWNER TO role`. */
export interface AlterOwnerStatement extends NodeBase {
  readonly kind: "alter_owner";
  readonly objectType: "table" | "view" | "sequence" | "schema";
  readonly name: QualifiedName;
  readonly ifExists: boolean;
  readonly owner: string;
}

/** `DROP OWNED BY r, … [CASCADE | RESTRICT]`: drops the roles' objects and revokes their privileges. */
export interface DropOwnedStatement extends NodeBase {
  readonly kind: "drop_owned";
  readonly roles: readonly string[];
  readonly behavior?: DropBehavior;
}

/** `REASSIGN OWNED BY r, … TO new_owner`. */
export interface ReassignOwnedStatement extends NodeBase {
  readonly kind: "reassign_owned";
  readonly roles: readonly string[];
  readonly newOwner: string;
}

/**
 * `ALTER DEFAULT PRIVILEGES [FOR ROLE r, …] [IN SCHEMA s, …] GRANT|REVOKE … ON TABLES|SEQUENCES|
 * SCHEMAS …`: `action` is the abbreviated GRANT/REVOKE, its `objects` empty.
 */
export interface AlterDefaultPrivilegesStatement extends NodeBase {
  readonly kind: "alter_default_privileges";
  /** Empty: the current role. */
  readonly roles: readonly string[];
  /** Empty: every schema. */
  readonly schemas: readonly string[];
  readonly action: GrantStatement;
}

export interface CreateRoleStatement extends NodeBase {
  readonly kind: "create_role";
  readonly name: string;
  /** CREATE USER: LOGIN unless said otherwise. */
  readonly isUser: boolean;
  readonly options: readonly RoleOption[];
}

export interface AlterRoleStatement extends NodeBase {
  readonly kind: "alter_role";
  readonly name: string;
  readonly options: readonly RoleOption[];
}

export interface DropRoleStatement extends NodeBase {
  readonly kind: "drop_role";
  readonly names: readonly string[];
  readonly ifExists: boolean;
}

export interface GrantStatement extends NodeBase {
  readonly kind: "grant";
  readonly isGrant: boolean;
  /** Lowercased privilege names; empty means ALL [PRIVILEGES]. */
  readonly privileges: readonly string[];
  /**
   * Column privileges: per entry of `privileges`, the columns it is limited to (`SELECT (a, b)`),
   * an empty list meaning the whole table. Absent when no privilege names columns.
   */
  readonly columns?: readonly (readonly string[])[];
  readonly objectType: "table" | "sequence" | "schema" | "database" | "function";
  /** `ALL TABLES IN SCHEMA s` lists the schemas here with `isAllInSchema`. */
  readonly objects: readonly QualifiedName[];
  readonly isAllInSchema: boolean;
  readonly grantees: readonly string[];
  readonly withGrantOption: boolean;
  readonly behavior?: DropBehavior;
}

export interface GrantRoleStatement extends NodeBase {
  readonly kind: "grant_role";
  readonly isGrant: boolean;
  readonly roles: readonly string[];
  readonly grantees: readonly string[];
  readonly withAdminOption: boolean;
  readonly behavior?: DropBehavior;
}

export type Statement =
  | SelectStatement
  | InsertStatement
  | UpdateStatement
  | DeleteStatement
  | TruncateStatement
  | LockStatement
  | CopyStatement
  | CreateTableStatement
  | CreateTableAsStatement
  | DropStatement
  | AlterTableStatement
  | RenameStatement
  | CommentStatement
  | CreateIndexStatement
  | CreateViewStatement
  | CreateSequenceStatement
  | AlterSequenceStatement
  | CreateSchemaStatement
  | CreateEnumTypeStatement
  | AlterEnumTypeStatement
  | CreateDomainStatement
  | AlterDomainStatement
  | TransactionStatement
  | SetStatement
  | SetTransactionStatement
  | ResetStatement
  | ShowStatement
  | DiscardStatement
  | PrepareStatement
  | ExecuteStatement
  | DeallocateStatement
  | ExplainStatement
  | AnalyzeStatement
  | VacuumStatement
  | CheckpointStatement
  | CreateRoleStatement
  | AlterRoleStatement
  | DropRoleStatement
  | GrantStatement
  | GrantRoleStatement
  | AlterOwnerStatement
  | DropOwnedStatement
  | ReassignOwnedStatement
  | AlterDefaultPrivilegesStatement;

/** Any node `deparse` accepts. */
export type Node =
  | Statement
  | Expr
  | QueryBody
  | FromItem
  | TypeName
  | SortBy
  | WindowDef
  | ResTarget
  | ColumnDef
  | TableConstraint
  | ColumnConstraint
  | IndexElem;
