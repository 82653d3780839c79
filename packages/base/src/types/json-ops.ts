/**
 * jsonb operators and functions as pure functions on root `JsonbValue`s, with PostgreSQL 15's
 * results and errors: `->`, `->>`, `#>`, `#>>`, `@>`, `<@`, `?`, `?|`, `?&`, `||`, `-`, `#-`,
 * jsonb_typeof, jsonb_array_length, jsonb_set, jsonb_insert, jsonb_strip_nulls.
 *
 * Conventions: SQL NULL results are `undefined`; a text[] argument is `readonly (string | null)[]`
 * (null = a NULL element); integer arguments are int4 (the caller has range-checked them). A
 * scalar root acts as PostgreSQL's one-element "raw scalar" array where PostgreSQL lets it:
 * `'"a"'::jsonb -> 0` is `"a"` and `'[1, 2]' @> '1'` holds, but `#>` on a scalar yields NULL.
 */
import { assert, assertNever } from "../assert.ts";
import { InvalidParameterValueError, InvalidTextRepresentationError } from "../errors.ts";
import { NullValueNotAllowedError } from "../errors.ts";
import { compareNumberText } from "./json-number.ts";
import { findJsonbKey, formatJsonb, isJsonbScalar, makeJsonbObject, type JsonbEntry, type JsonbValue } from "./json-value.ts";

const int4Min = -2_147_483_648;
const int4Max = 2_147_483_647;

/** The elements a root acts on as an array: a raw scalar is a one-element array. */
function rootElements(value: JsonbValue): readonly JsonbValue[] | undefined {
  if (value.kind === "array") return value.elements;
  return isJsonbScalar(value) ? [value] : undefined;
}

/** `jsonb -> text`: the value of `key` in an object, else NULL. */
export function jsonbObjectField(value: JsonbValue, key: string): JsonbValue | undefined {
  if (value.kind !== "object") return undefined;
  return value.entries[findJsonbKey(value.entries, key)]?.value;
}

/** `jsonb -> int`: element `index` (negative counts from the end) of an array or raw scalar. */
export function jsonbArrayElement(value: JsonbValue, index: number): JsonbValue | undefined {
  assert(Number.isInteger(index), "an array index is an integer");
  const elements = rootElements(value);
  if (elements === undefined) return undefined;
  const position = index < 0 ? elements.length + index : index;
  return position < 0 ? undefined : elements[position];
}

/** The text `->>` and `#>>` return: a string's contents, NULL for JSON null, else jsonb_out. */
export function jsonbValueText(value: JsonbValue | undefined): string | undefined {
  if (value === undefined || value.kind === "null") return undefined;
  return value.kind === "string" ? value.value : formatJsonb(value);
}

/** `jsonb ->> text`. */
export function jsonbObjectFieldText(value: JsonbValue, key: string): string | undefined {
  return jsonbValueText(jsonbObjectField(value, key));
}

/** `jsonb ->> int`. */
export function jsonbArrayElementText(value: JsonbValue, index: number): string | undefined {
  return jsonbValueText(jsonbArrayElement(value, index));
}

/** C `strtol(text, &end, 10)` consuming all of `text` and fitting int4, else undefined. */
function parseCInt4(text: string): number | undefined {
  const match = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)$/.exec(text);
  if (match === null) return undefined;
  const digits = (match[2] ?? "").replace(/^0+(?=.)/, "");
  if (digits.length > 10) return undefined;
  const value = Number(digits) * (match[1] === "-" ? -1 : 1);
  return value < int4Min || value > int4Max ? undefined : value;
}

/** `jsonb #> text[]`: follows keys and array indexes; NULL when any step misses. */
export function jsonbExtractPath(value: JsonbValue, path: readonly (string | null)[]): JsonbValue | undefined {
  if (path.includes(null)) return undefined;
  let current: JsonbValue = value;
  for (const step of path) {
    assert(step !== null, "nulls were excluded above");
    if (current.kind === "object") {
      const found = jsonbObjectField(current, step);
      if (found === undefined) return undefined;
      current = found;
    } else if (current.kind === "array") {
      const index = parseCInt4(step);
      if (index === undefined) return undefined;
      if (index < 0 && (index === int4Min || -index > current.elements.length)) return undefined;
      const found = current.elements[index < 0 ? current.elements.length + index : index];
      if (found === undefined) return undefined;
      current = found;
    } else {
      return undefined;
    }
  }
  return current;
}

/** `jsonb #>> text[]`. */
export function jsonbExtractPathText(value: JsonbValue, path: readonly (string | null)[]): string | undefined {
  return jsonbValueText(jsonbExtractPath(value, path));
}

/** Equality of two scalars as containment sees it: same type, same value (strings bytewise). */
function scalarEquals(a: JsonbValue, b: JsonbValue): boolean {
  switch (a.kind) {
    case "null":
      return b.kind === "null";
    case "bool":
      return b.kind === "bool" && a.value === b.value;
    case "number":
      return b.kind === "number" && compareNumberText(a.text, b.text) === 0;
    case "string":
      return b.kind === "string" && a.value === b.value;
    case "array":
    case "object":
      return false;
  }
  return assertNever(a);
}

/** `jsonb @> jsonb`: whether `container` contains `contained` (PostgreSQL's JsonbDeepContains). */
export function jsonbContains(container: JsonbValue, contained: JsonbValue): boolean {
  const isRawA = isJsonbScalar(container);
  const isRawB = isJsonbScalar(contained);
  // A raw scalar may contain a raw scalar, and an array may contain one, never the reverse.
  if (isRawA && !isRawB) return false;
  if (isRawB) {
    const elements = rootElements(container);
    return elements !== undefined && elements.some((element) => scalarEquals(element, contained));
  }
  return containsNested(container, contained);
}

/** `jsonb <@ jsonb`. */
export function jsonbContainedBy(contained: JsonbValue, container: JsonbValue): boolean {
  return jsonbContains(container, contained);
}

function containsNested(a: JsonbValue, b: JsonbValue): boolean {
  if (a.kind === "object" && b.kind === "object") {
    if (a.entries.length < b.entries.length) return false;
    return b.entries.every((entry) => {
      const found = jsonbObjectField(a, entry.key);
      if (found === undefined) return false;
      if (isJsonbScalar(found) || isJsonbScalar(entry.value)) return scalarEquals(found, entry.value);
      return containsNested(found, entry.value);
    });
  }
  if (a.kind === "array" && b.kind === "array") {
    return b.elements.every((wanted) =>
      isJsonbScalar(wanted)
        ? a.elements.some((element) => scalarEquals(element, wanted))
        : a.elements.some((element) => !isJsonbScalar(element) && containsNested(element, wanted)),
    );
  }
  return false;
}

/** `jsonb ? text`: a top-level key, or a top-level string element of an array or raw scalar. */
export function jsonbExists(value: JsonbValue, key: string): boolean {
  if (value.kind === "object") return findJsonbKey(value.entries, key) >= 0;
  const elements = rootElements(value) ?? [];
  return elements.some((element) => element.kind === "string" && element.value === key);
}

/** `jsonb ?| text[]`: any non-NULL key exists. */
export function jsonbExistsAny(value: JsonbValue, keys: readonly (string | null)[]): boolean {
  return keys.some((key) => key !== null && jsonbExists(value, key));
}

/** `jsonb ?& text[]`: every non-NULL key exists. */
export function jsonbExistsAll(value: JsonbValue, keys: readonly (string | null)[]): boolean {
  return keys.every((key) => key === null || jsonbExists(value, key));
}

/** `jsonb || jsonb`: objects merge (right wins); otherwise both sides become arrays and concatenate. */
export function jsonbConcat(left: JsonbValue, right: JsonbValue): JsonbValue {
  if (left.kind === "object" && right.kind === "object") return makeJsonbObject([...left.entries, ...right.entries]);
  const leftElements = rootElements(left) ?? [left];
  const rightElements = rootElements(right) ?? [right];
  return { kind: "array", elements: [...leftElements, ...rightElements] };
}

function deleteFromScalarError(): InvalidParameterValueError {
  return new InvalidParameterValueError("cannot delete from scalar");
}

/** `jsonb - text[]` (and `- text` with one key): drops keys, or string elements of an array. */
export function jsonbDeleteKeys(value: JsonbValue, keys: readonly (string | null)[]): JsonbValue {
  const doomed = new Set(keys.filter((key): key is string => key !== null));
  switch (value.kind) {
    case "object":
      return { kind: "object", entries: value.entries.filter((entry) => !doomed.has(entry.key)) };
    case "array":
      return { kind: "array", elements: value.elements.filter((element) => !(element.kind === "string" && doomed.has(element.value))) };
    case "null":
    case "bool":
    case "number":
    case "string":
      throw deleteFromScalarError();
  }
  return assertNever(value);
}

/** `jsonb - text`. */
export function jsonbDeleteKey(value: JsonbValue, key: string): JsonbValue {
  return jsonbDeleteKeys(value, [key]);
}

/** `jsonb - int`: drops one array element (negative counts from the end; out of range: no-op). */
export function jsonbDeleteIndex(value: JsonbValue, index: number): JsonbValue {
  assert(Number.isInteger(index), "an array index is an integer");
  switch (value.kind) {
    case "object":
      throw new InvalidParameterValueError("cannot delete from object using integer index");
    case "array": {
      const count = value.elements.length;
      const position = index < 0 ? count + index : index;
      if (position < 0 || position >= count) return value;
      return { kind: "array", elements: value.elements.filter((_, at) => at !== position) };
    }
    case "null":
    case "bool":
    case "number":
    case "string":
      throw deleteFromScalarError();
  }
  return assertNever(value);
}

/** jsonb_typeof. */
export function jsonbTypeof(value: JsonbValue): string {
  switch (value.kind) {
    case "null":
      return "null";
    case "bool":
      return "boolean";
    case "number":
      return "number";
    case "string":
      return "string";
    case "array":
      return "array";
    case "object":
      return "object";
  }
  return assertNever(value);
}

/** jsonb_array_length (and json_array_length, which raises the same errors). */
export function jsonbArrayLength(value: JsonbValue): number {
  if (value.kind === "array") return value.elements.length;
  if (value.kind === "object") throw new InvalidParameterValueError("cannot get array length of a non-array");
  throw new InvalidParameterValueError("cannot get array length of a scalar");
}

/** jsonb_strip_nulls: drops object fields whose value is null, at every depth (array nulls stay). */
export function jsonbStripNulls(value: JsonbValue): JsonbValue {
  switch (value.kind) {
    case "null":
    case "bool":
    case "number":
    case "string":
      return value;
    case "array":
      return { kind: "array", elements: value.elements.map(jsonbStripNulls) };
    case "object": {
      const entries: JsonbEntry[] = [];
      for (const entry of value.entries) {
        if (entry.value.kind !== "null") entries.push({ key: entry.key, value: jsonbStripNulls(entry.value) });
      }
      return { kind: "object", entries };
    }
  }
  return assertNever(value);
}

/** What setPath does at the last path step (PostgreSQL's JB_PATH_* operation types). */
type PathOperation = "create" | "replace" | "delete" | "insertBefore" | "insertAfter";

interface PathEdit {
  readonly path: readonly (string | null)[];
  readonly newValue: JsonbValue;
  readonly operation: PathOperation;
}

function isCreating(operation: PathOperation): boolean {
  return operation === "create" || operation === "insertBefore" || operation === "insertAfter";
}

function setPath(value: JsonbValue, edit: PathEdit, level: number): JsonbValue {
  const step = edit.path[level];
  assert(step !== undefined, "setPath stays within the path");
  if (step === null) throw new NullValueNotAllowedError(`path element at position ${level + 1} is null`);
  if (value.kind === "object") return setPathObject(value.entries, step, edit, level);
  if (value.kind === "array") return setPathArray(value.elements, step, edit, level);
  return value;
}

function setPathObject(entries: readonly JsonbEntry[], key: string, edit: PathEdit, level: number): JsonbValue {
  const isLast = level === edit.path.length - 1;
  const at = findJsonbKey(entries, key);
  const found = entries[at];
  if (found === undefined) {
    if (!(isLast && isCreating(edit.operation))) return { kind: "object", entries };
    return makeJsonbObject([...entries, { key, value: edit.newValue }]);
  }
  if (!isLast) {
    const updated = { key, value: setPath(found.value, edit, level + 1) };
    return { kind: "object", entries: entries.map((entry, index) => (index === at ? updated : entry)) };
  }
  if (edit.operation === "insertBefore" || edit.operation === "insertAfter") {
    throw new InvalidParameterValueError("cannot replace existing key", {
      hint: "Try using the function jsonb_set to replace key value.",
    });
  }
  if (edit.operation === "delete") return { kind: "object", entries: entries.filter((_, index) => index !== at) };
  return { kind: "object", entries: entries.map((entry, index) => (index === at ? { key, value: edit.newValue } : entry)) };
}

/** The index one path step names in an array: strtoint semantics, INT_MIN meaning "before the start". */
function pathArrayIndex(step: string, level: number, count: number): number {
  const parsed = parseCInt4(step);
  if (parsed === undefined) {
    throw new InvalidTextRepresentationError(`path element at position ${level + 1} is not an integer: "${step}"`);
  }
  if (parsed < 0) return -parsed > count ? int4Min : count + parsed;
  return Math.min(parsed, count);
}

function setPathArray(elements: readonly JsonbValue[], step: string, edit: PathEdit, level: number): JsonbValue {
  const index = pathArrayIndex(step, level, elements.length);
  const isLast = level === edit.path.length - 1;
  const out: JsonbValue[] = [];
  let isDone = false;
  if ((index === int4Min || elements.length === 0) && isLast && isCreating(edit.operation)) {
    out.push(edit.newValue);
    isDone = true;
  }
  elements.forEach((element, at) => {
    if (at !== index) {
      out.push(element);
      return;
    }
    isDone = true;
    if (!isLast) {
      out.push(setPath(element, edit, level + 1));
      return;
    }
    const operation = edit.operation;
    if (operation === "insertBefore" || operation === "create") out.push(edit.newValue);
    if (operation === "insertBefore" || operation === "insertAfter") out.push(element);
    if (operation === "insertAfter" || operation === "replace") out.push(edit.newValue);
  });
  if (!isDone && isLast && isCreating(edit.operation)) out.push(edit.newValue);
  return { kind: "array", elements: out };
}

function rootItemCount(value: JsonbValue): number {
  if (value.kind === "array") return value.elements.length;
  return value.kind === "object" ? value.entries.length : 1;
}

/** jsonb_set(target, path, new_value, create_missing). */
export function jsonbSet(target: JsonbValue, path: readonly (string | null)[], newValue: JsonbValue, isCreateMissing = true): JsonbValue {
  if (isJsonbScalar(target)) throw new InvalidParameterValueError("cannot set path in scalar");
  // An empty root with nothing to create is returned before the path is even looked at.
  if (path.length === 0 || (!isCreateMissing && rootItemCount(target) === 0)) return target;
  return setPath(target, { path, newValue, operation: isCreateMissing ? "create" : "replace" }, 0);
}

/** jsonb_insert(target, path, new_value, insert_after). */
export function jsonbInsert(target: JsonbValue, path: readonly (string | null)[], newValue: JsonbValue, isInsertAfter = false): JsonbValue {
  if (isJsonbScalar(target)) throw new InvalidParameterValueError("cannot set path in scalar");
  if (path.length === 0) return target;
  return setPath(target, { path, newValue, operation: isInsertAfter ? "insertAfter" : "insertBefore" }, 0);
}

/** `jsonb #- text[]`: deletes the value at a path. */
export function jsonbDeletePath(target: JsonbValue, path: readonly (string | null)[]): JsonbValue {
  if (isJsonbScalar(target)) throw new InvalidParameterValueError("cannot delete path in scalar");
  if (rootItemCount(target) === 0 || path.length === 0) return target;
  return setPath(target, { path, newValue: { kind: "null" }, operation: "delete" }, 0);
}
