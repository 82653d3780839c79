/**
 * Enum types as text I/O sees them (`@omnikv/base`'s `EnumType`): from the catalog's definitions
 * and from the snapshots tables keep of their columns' types. The values of one label list are
 * made once, so equal labels share one `EnumValue`.
 */
import { EnumValue, type EnumType, type TextIoSettings } from "@omnikv/base";
import type { EnumLabel, EnumTypeSnapshot } from "./definitions.ts";

const valuesByLabels = new WeakMap<readonly EnumLabel[], readonly EnumValue[]>();

export function enumValuesOf(type: EnumTypeSnapshot): readonly EnumValue[] {
  let values = valuesByLabels.get(type.labels);
  if (values === undefined) {
    values = type.labels.map((l) => new EnumValue(type.id, l.label, l.sortOrder));
    valuesByLabels.set(type.labels, values);
  }
  return values;
}

export function enumTypeOf(type: EnumTypeSnapshot, displayName: string): EnumType {
  return { oid: type.id, name: displayName, values: enumValuesOf(type) };
}

/**
 * `base` with hooks over a fixed list of enum types (a table's snapshots): names resolve by
 * name or `schema.name`; each type prints as its plain name.
 */
export function withEnumTypes(base: TextIoSettings, types: readonly EnumTypeSnapshot[]): TextIoSettings {
  if (types.length === 0) return base;
  return {
    ...base,
    enumType: (oid) => {
      const type = types.find((t) => t.id === oid);
      return type === undefined ? undefined : enumTypeOf(type, type.name);
    },
    typeByName: (schema, name) => {
      const type = types.find((t) => t.name === name && (schema === undefined || t.schema === schema));
      return type === undefined ? undefined : enumTypeOf(type, type.name);
    },
  };
}
