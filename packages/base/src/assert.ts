/**
 * Assertions mark programmer errors (TigerBeetle's TIGER_STYLE): a failed assertion means the code
 * is wrong, not the input. They throw `AssertionError`, which nothing catches except a process's
 * top-level crash handler. Operating errors (bad SQL, I/O, corruption) are `DbError`s instead.
 *
 * Cheap assertions are always on. Expensive ones are guarded by `invariants.enabled`, which is on
 * in tests and CI and must never change behaviour.
 */

export class AssertionError extends Error {
  override readonly name = "AssertionError";
}

/** Throws `AssertionError` unless `condition` holds. Typed so the compiler narrows after it. */
export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) {
    throw new AssertionError(`assertion failed: ${message}`);
  }
}

/** Ends every exhaustive `switch` on a discriminated union: a new variant fails to compile here. */
export function assertNever(value: never, message = "unexpected variant"): never {
  throw new AssertionError(`${message}: ${describe(value)}`);
}

/** Narrows away `undefined`/`null`; the checked replacement for a `!` non-null assertion. */
export function assertDefined<T>(value: T | undefined | null, message: string): T {
  assert(value !== undefined && value !== null, message);
  return value;
}

function describe(value: unknown): string {
  if (typeof value === "object" && value !== null && "kind" in value) {
    return `kind ${String(value.kind)}`;
  }
  return String(value);
}

/**
 * The switch for expensive invariant checks. On when `OMNIKV_INVARIANTS=1`, under vitest, or in CI;
 * code reads `invariants.enabled` at the check site so tests may toggle it.
 */
export const invariants: { enabled: boolean } = {
  enabled: readInvariantsDefault(),
};

function readInvariantsDefault(): boolean {
  const env = typeof process === "undefined" ? {} : process.env;
  return env["OMNIKV_INVARIANTS"] === "1" || env["VITEST"] !== undefined || env["CI"] === "true";
}
