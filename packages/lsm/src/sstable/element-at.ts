/**
 * Element reads at indexes the caller has already bounds-checked. Under `noUncheckedIndexedAccess`
 * `bytes[i]` is `number | undefined`; these helpers drop the `undefined` in one named place (the
 * STYLE rule for casts) instead of at every read on the hot paths: block decoding, key
 * comparison, hashing. V8 inlines them, so they cost nothing at run time. Each call site's index
 * is in bounds by a check it states (a length compared before a loop, a validated offset).
 */

export function byteAt(bytes: Uint8Array, index: number): number {
  // oxlint-disable-next-line typescript/no-unsafe-type-assertion -- callers index below bytes.length
  return bytes[index] as number;
}

export function uint32At(array: Uint32Array, index: number): number {
  // oxlint-disable-next-line typescript/no-unsafe-type-assertion -- callers index below array.length
  return array[index] as number;
}

export function float64At(array: Float64Array, index: number): number {
  // oxlint-disable-next-line typescript/no-unsafe-type-assertion -- callers index below array.length
  return array[index] as number;
}
