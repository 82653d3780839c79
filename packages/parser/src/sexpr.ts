/**
 * A compact s-expression rendering of the AST, for golden files and debugging:
 *
 *   (select (select_core targets:[(res_target expr:a.b alias:x)] from:[(table_ref name:t)]))
 *
 * Generic over node shapes, so every new field shows up without a printer change. Leaves are
 * compact: column references print as dotted names, numbers as written, strings in single quotes,
 * and type names as `varchar(10)[]`. Fields that carry no information are left out: `pos`,
 * `false`, empty lists and absent values. A form longer than the line width breaks onto indented
 * lines, one field per line.
 */

const lineWidth = 100;

export interface SExprOptions {
  /** Prints `@pos` after each node kind, to check positions in goldens. */
  readonly withPositions?: boolean;
}

export function toSExpr(value: unknown, options: SExprOptions = {}): string {
  return render(value, 0, options);
}

/** `indent` is the column where the line holding `value` starts; broken children go two deeper. */
function render(node: unknown, indent: number, options: SExprOptions): string {
  const value = transparent(node, options);
  const flat = renderFlat(value, options);
  if (flat.length + indent <= lineWidth || !isRecord(value)) return flat;
  const pad = " ".repeat(indent + 2);
  if (Array.isArray(value)) {
    const items = value.map((item) => pad + render(item, indent + 2, options));
    return `[\n${items.join("\n")}]`;
  }
  const compact = compactLeaf(value, options);
  if (compact !== undefined) return compact;
  const fields = fieldEntries(value).map(([key, field]) => `${pad}${key}:${render(field, indent + 2, options)}`);
  return `(${nodeHead(value, options)}\n${fields.join("\n")})`;
}

function renderFlat(node: unknown, options: SExprOptions): string {
  const value = transparent(node, options);
  if (value === null) return "null";
  if (typeof value === "string") return /^[^\s()[\]"':]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `[${value.map((item) => renderFlat(item, options)).join(" ")}]`;
  if (typeof value === "bigint") return value.toString();
  if (!isRecord(value)) return "?";
  const compact = compactLeaf(value, options);
  if (compact !== undefined) return compact;
  const fields = fieldEntries(value).map(([key, field]) => `${key}:${renderFlat(field, options)}`);
  return `(${[nodeHead(value, options), ...fields].join(" ")})`;
}

/** A target without alias and a sort key without options print as their expression. */
function transparent(value: unknown, options: SExprOptions): unknown {
  if (!isRecord(value) || options.withPositions === true) return value;
  if (value["kind"] === "res_target" && value["alias"] === undefined) return value["expr"];
  if (value["kind"] === "sort_by" && value["direction"] === undefined && value["nulls"] === undefined) return value["expr"];
  return value;
}

function nodeHead(node: Readonly<Record<string, unknown>>, options: SExprOptions): string {
  const kind = typeof node["kind"] === "string" ? node["kind"] : "?";
  return options.withPositions === true && typeof node["pos"] === "number" ? `${kind}@${node["pos"]}` : kind;
}

/** The fields worth printing, in declaration order. */
function fieldEntries(node: Readonly<Record<string, unknown>>): [string, unknown][] {
  return Object.entries(node).filter(([key, field]) => {
    if (key === "kind" || key === "pos") return false;
    if (field === undefined || field === false) return false;
    return !(Array.isArray(field) && field.length === 0);
  });
}

function compactLeaf(node: Readonly<Record<string, unknown>>, options: SExprOptions): string | undefined {
  const at = options.withPositions === true && typeof node["pos"] === "number" ? `@${node["pos"]}` : "";
  switch (node["kind"]) {
    case "column_ref": {
      const names = stringList(node["names"]).map(quoteName);
      if (node["isStar"] === true) names.push("*");
      return names.join(".") + at;
    }
    case "number":
      return String(node["text"]) + at;
    case "string":
      return `'${String(node["value"]).replaceAll("'", "''")}'${at}`;
    case "param":
      return `$${String(node["index"])}${at}`;
    case "null":
      return `NULL${at}`;
    case "boolean":
      return (node["value"] === true ? "TRUE" : "FALSE") + at;
    case "type_name":
      return typeNameText(node) + at;
    case "table_ref":
      if (node["alias"] !== undefined || node["isOnly"] === true) return undefined;
      return stringList(node["name"]).map(quoteName).join(".") + at;

    default:
      return undefined;
  }
}

function typeNameText(node: Readonly<Record<string, unknown>>): string {
  let text = stringList(node["names"]).map(quoteName).join(".");
  const modifiers = Array.isArray(node["modifiers"]) ? node["modifiers"] : [];
  if (typeof node["intervalFields"] === "string") text += ` ${node["intervalFields"]}`;
  if (modifiers.length > 0) text += `(${modifiers.map((modifier) => renderFlat(modifier, {})).join(",")})`;
  const bounds = Array.isArray(node["arrayBounds"]) ? node["arrayBounds"] : [];
  for (const bound of bounds) text += bound === -1 ? "[]" : `[${String(bound)}]`;
  return text;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

function quoteName(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null;
}
