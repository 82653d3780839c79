/**
 * What it measures: draws per second from `SeededRandom` against `Math.random`, so randomized
 * tests can budget how many operations they generate. No I/O.
 */
import { bench, describe } from "vitest";
import { SeededRandom } from "@omnikv/testkit";

const random = new SeededRandom(1);

describe("1000 uniform floats", () => {
  bench("SeededRandom.nextFloat", () => {
    for (let i = 0; i < 1000; i++) random.nextFloat();
  });
  bench("Math.random", () => {
    for (let i = 0; i < 1000; i++) Math.random();
  });
});
