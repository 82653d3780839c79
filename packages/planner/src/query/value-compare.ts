/**
 * Comparing statistics' values with constants, for selectivity: the btree order of the types
 * statistics are kept for (numbers, bigints, strings in C collation, numerics, booleans).
 * Undefined when the two values cannot be compared here — estimates then use defaults.
 */
import { Numeric, compareText, type SqlValue } from "@omnikv/base";

export function compareForStatistics(a: SqlValue, b: SqlValue): number | undefined {
  if (typeof a === "number" && typeof b === "number") return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "bigint" && typeof b === "bigint") return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "number" && typeof b === "bigint") return Number.isInteger(a) ? compareForStatistics(BigInt(a), b) : compareForStatistics(a, Number(b));
  if (typeof a === "bigint" && typeof b === "number") return Number.isInteger(b) ? compareForStatistics(a, BigInt(b)) : compareForStatistics(Number(a), b);
  if (typeof a === "string" && typeof b === "string") return compareText(a, b);
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  if (a instanceof Numeric && b instanceof Numeric) return a.compare(b);
  return undefined;
}
