/**
 * Deterministic randomness for tests. Every randomized test draws from a `SeededRandom` whose seed
 * comes from `SEED` in the environment or is picked fresh; when the test fails, `withSeed` rethrows
 * with the seed in the message, so `SEED=<n> npx vitest run <file>` replays the exact failure.
 *
 * The generator is sfc32 (Chris Doty-Humphrey's Small Fast Counting generator): 128 bits of state,
 * passes PractRand, and is a handful of 32-bit operations per number.
 */

export class SeededRandom {
  readonly seed: number;
  #a: number;
  #b: number;
  #c: number;
  #counter: number;

  constructor(seed: number) {
    this.seed = seed >>> 0;
    this.#a = 0x9e3779b9;
    this.#b = 0x243f6a88;
    this.#c = this.seed;
    this.#counter = 1;
    // Mix the seed into the state before the first draw; 15 rounds is sfc32's usual warm-up.
    for (let i = 0; i < 15; i++) this.nextUint32();
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#counter) | 0;
    this.#counter = (this.#counter + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** A uniform float in [0, 1). */
  nextFloat(): number {
    return this.nextUint32() / 0x1_0000_0000;
  }

  /** A uniform integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    if (!(Number.isSafeInteger(min) && Number.isSafeInteger(max) && min <= max)) {
      throw new RangeError(`bad range [${min}, ${max}]`);
    }
    return min + Math.floor(this.nextFloat() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.nextFloat() < p;
  }

  /** A uniformly chosen element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    const item = items[this.int(0, items.length - 1)];
    if (item === undefined) throw new RangeError("pick from an empty array");
    return item;
  }

  /** `length` random bytes. */
  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.nextUint32() & 0xff;
    return out;
  }
}

/** The seed from `SEED` in the environment, or a fresh one. */
export function seedFromEnv(): number {
  const raw = process.env["SEED"];
  if (raw !== undefined && raw !== "") {
    const seed = Number(raw);
    if (!Number.isSafeInteger(seed)) throw new RangeError(`SEED=${raw} is not an integer`);
    return seed >>> 0;
  }
  return Math.floor(Math.random() * 0x1_0000_0000);
}

/**
 * Runs `body` with a seeded generator. On failure the error is rethrown with the seed and the
 * command that replays it added to its message (the original error stays as `cause`).
 */
export async function withSeed<T>(name: string, body: (random: SeededRandom) => T | Promise<T>): Promise<T> {
  const random = new SeededRandom(seedFromEnv());
  try {
    return await body(random);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new Error(`${name} failed with SEED=${random.seed} (replay: SEED=${random.seed} npx vitest run)\n${detail}`, {
      cause: error,
    });
  }
}

export interface PropertyParams {
  readonly seed: number;
  readonly numRuns: number;
  readonly verbose: number;
  readonly path?: string;
  /** Per run of an async property, in ms: a run that takes longer fails (sync properties ignore it). */
  readonly timeout: number;
}

/**
 * A run of an async property that takes this long has hung (runs take milliseconds): it fails as a
 * counterexample, so fast-check prints its seed and path. Without it the test runner's timeout
 * ends the test first and the seed is lost.
 */
export const propertyRunTimeoutMs = 20_000;

/**
 * fast-check parameters: `FC_SEED`, `FC_PATH` and `FC_NUM_RUNS` from the environment replay or
 * lengthen a run. fast-check itself prints the seed and path of a failing run, a hung async run
 * included (`propertyRunTimeoutMs`).
 */
export function propertyParams(defaultNumRuns: number): PropertyParams {
  const seedRaw = process.env["FC_SEED"];
  const path = process.env["FC_PATH"];
  const numRunsRaw = process.env["FC_NUM_RUNS"];
  const seed = seedRaw === undefined ? Math.floor(Math.random() * 0x7fff_ffff) : Number(seedRaw) | 0;
  const numRuns = numRunsRaw === undefined ? defaultNumRuns : Number(numRunsRaw);
  const timeout = propertyRunTimeoutMs;
  return path === undefined ? { seed, numRuns, verbose: 1, timeout } : { seed, numRuns, verbose: 1, path, timeout };
}
