/**
 * Enum types as text I/O sees them (`@omnikv/base`'s `EnumType`): from the catalog's definitions
 * and from the snapshots tables keep of their columns' types. The values of one label list are
 * made once, so equal labels share one `EnumValue`.
 */
import { EnumValue, type DomainType, type EnumType, type TextIoSettings } from "@omnikv/base";
import type { DomainSnapshot, EnumLabel, EnumTypeSnapshot, TableDefinition } from "./definitions.ts";

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

export function domainTypeOf(domain: DomainSnapshot, displayName: string): DomainType {
  return { oid: domain.id, name: displayName, baseOid: domain.baseOid, baseTypmod: domain.baseTypmod, isNotNull: domain.isNotNull, checks: domain.checks };
}

/**
 * `base` with hooks over fixed lists of user types (a table's snapshots): names resolve by name
 * or `schema.name`; each type prints as its plain name.
 */
export function withUserTypes(base: TextIoSettings, types: readonly EnumTypeSnapshot[], domains: readonly DomainSnapshot[] = []): TextIoSettings {
  if (types.length === 0 && domains.length === 0) return base;
  return {
    ...base,
    enumType: (oid) => {
      const type = types.find((t) => t.id === oid);
      return type === undefined ? undefined : enumTypeOf(type, type.name);
    },
    typeByName: (schema, name) => {
      const matches = (t: { readonly schema: string; readonly name: string }): boolean => t.name === name && (schema === undefined || t.schema === schema);
      const type = types.find(matches);
      if (type !== undefined) return enumTypeOf(type, type.name);
      const domain = domains.find(matches);
      return domain === undefined ? undefined : domainTypeOf(domain, domain.name);
    },
    typeName: (oid) => types.find((t) => t.id === oid)?.name ?? domains.find((d) => d.id === oid)?.name,
  };
}

/** The domain of a table's column, from the table's snapshot; undefined for a column of a plain type. */
export function domainOfColumn(table: TableDefinition, position: number): DomainType | undefined {
  const domainId = table.columns[position]?.domain;
  const domain = domainId === undefined ? undefined : table.domains?.find((d) => d.id === domainId);
  return domain === undefined ? undefined : domainTypeOf(domain, domain.name);
}
