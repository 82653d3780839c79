/**
 * PostgreSQL's `select_common_type` (parse_coerce.c): the type CASE, COALESCE, GREATEST/LEAST,
 * IN lists, UNION and ARRAY[…] convert their inputs to. All-unknown inputs are text; otherwise
 * the first known type's category decides, a preferred type of that category wins once seen,
 * and every input must reach the result implicitly — else 42804 `CASE types integer and text
 * cannot be matched`.
 */
import { DatatypeMismatchError, TypeOid, typeInfo } from "@omnikv/base";
import { canCoerceImplicitly, formatTypeName } from "../functions/resolve.ts";

export function selectCommonType(types: readonly number[], construct: string): number {
  const known = types.filter((type) => type !== TypeOid.unknown);
  let chosen = known[0];
  if (chosen === undefined) return TypeOid.text;
  const category = typeInfo(chosen)?.category;
  for (const type of known.slice(1)) {
    if (type === chosen) continue;
    if (typeInfo(type)?.category !== category) {
      throw new DatatypeMismatchError(`${construct} types ${formatTypeName(chosen)} and ${formatTypeName(type)} cannot be matched`);
    }
    // A preferred type, or one the current choice converts to (but not back), takes over.
    const isTakeover =
      typeInfo(chosen)?.isPreferred !== true &&
      canCoerceImplicitly(chosen, type) &&
      !canCoerceImplicitly(type, chosen);
    if (isTakeover) chosen = type;
  }
  for (const type of known) {
    if (!canCoerceImplicitly(type, chosen)) {
      throw new DatatypeMismatchError(`${construct} could not convert type ${formatTypeName(type)} to ${formatTypeName(chosen)}`);
    }
  }
  return chosen;
}
