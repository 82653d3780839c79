/**
 * Random JSON documents for the json tests, drawn from a `SeededRandom` so a failing run replays
 * from its seed. Documents stress PostgreSQL's edge cases: duplicate and multibyte keys, every
 * escape incl. surrogate pairs, numbers such as `-0`, `1E+2`, `0.10` and huge exponents, random
 * whitespace and deep nesting. `mutateJson` breaks a document to exercise the error paths.
 */
import type { SeededRandom } from "@omnikv/testkit";

const keyPool = ["a", "b", "aa", "", "é", "1", "ab", "ba", "Z", "a b", "😀", "\\u0041", "\\\"q"];
const numberPool = [
  "0", "-0", "1", "-1", "1E+2", "1e2", "0.10", "1.50e1", "1e-2", "-1.5E-3", "123456789012345678901234567890",
  "1e308", "1e-400", "2.5e+10", "0.000", "-0.0", "1.0", "10", "100e-2", "7e0", "3.14159", "1e100", "-2E-0",
];
const stringPieces = [
  "a", "b", "z", " ", "é", "中", "😀", "\\n", "\\t", "\\\"", "\\\\", "\\/", "\\b", "\\f", "\\r", "\\u00e9", "\\u0041",
  "\\ud83d\\ude00", "\\u001f", "\\u007f", "\\uFFFF", "null", "1", "\u007f",
];
const whitespacePool = ["", "", "", " ", "\n", "\t", "\r", "  "];

function space(random: SeededRandom): string {
  return random.pick(whitespacePool);
}

function randomNumber(random: SeededRandom): string {
  if (random.chance(0.5)) return random.pick(numberPool);
  const integer = String(random.int(0, 100_000));
  const fraction = random.chance(0.4) ? `.${String(random.int(0, 9999)).padStart(random.int(1, 5), "0")}` : "";
  const exponent = random.chance(0.3) ? `${random.pick(["e", "E"])}${random.pick(["", "+", "-"])}${random.int(0, 40)}` : "";
  return (random.chance(0.3) ? "-" : "") + integer + fraction + exponent;
}

function randomString(random: SeededRandom): string {
  let out = "";
  const count = random.int(0, 5);
  for (let index = 0; index < count; index++) out += random.pick(stringPieces);
  return `"${out}"`;
}

function randomKey(random: SeededRandom): string {
  return random.chance(0.85) ? `"${random.pick(keyPool)}"` : randomString(random);
}

/** One random JSON document's text; `depthMax` bounds nesting. */
export function randomJsonText(random: SeededRandom, depthMax = 4): string {
  const choice = random.int(0, depthMax <= 0 ? 4 : 7);
  switch (choice) {
    case 0:
      return random.pick(["null", "true", "false"]);
    case 1:
    case 2:
      return randomNumber(random);
    case 3:
    case 4:
      return randomString(random);
    case 5: {
      const count = random.int(0, 4);
      const items = Array.from({ length: count }, () => space(random) + randomJsonText(random, depthMax - 1) + space(random));
      return `[${items.join(",")}${count === 0 ? space(random) : ""}]`;
    }
    default: {
      const count = random.int(0, 5);
      const items = Array.from(
        { length: count },
        () => `${space(random)}${randomKey(random)}${space(random)}:${space(random)}${randomJsonText(random, depthMax - 1)}${space(random)}`,
      );
      return `{${items.join(",")}}`;
    }
  }
}

const breakers = ["{", "}", "[", "]", ",", ":", '"', "\\", " ", "x", "-", ".", "e", "0", "\u0001", "\f", "\\u", "\\ud800", "é", "\\u0000"];

/** `text` with one random edit (insert, delete, replace or truncate), by code point. */
export function mutateJson(random: SeededRandom, text: string): string {
  const chars = Array.from(text);
  const at = random.int(0, chars.length);
  switch (random.int(0, 3)) {
    case 0:
      chars.splice(at, 0, random.pick(breakers));
      break;
    case 1:
      chars.splice(at, 1);
      break;
    case 2:
      chars.splice(at, 1, random.pick(breakers));
      break;
    default:
      chars.length = at;
  }
  return chars.join("");
}

/** Hand-picked documents around PostgreSQL's edge cases, valid and invalid. */
export const edgeDocuments: readonly string[] = [
  '"\\ud800"', '"\\ude00"', '"\\ud800\\ud800"', '"\\ud800x"', '"\\ud800\\n"', '"\\ud83d\\ude00"', '"\\u0000"', '"a\\u0000b"',
  '"\\x"', '"\\u12"', '"\\uzzzz"', '"\\u12é4"', '"\\é"', '"abc', '"abc\\', "01", "00", "1.", ".5", "1e", "1e+", "-", "-a",
  "1.2.3", "1x", "[1,2]x", "tru", "nul", "é", "[1,]", '{"a":1,}', '{"a" 1}', '{"a":1 "b"}', "[1 2]", "1 2", "{1:2}", "{",
  "[", "[}", '{"a":1]', "", "  ", "\f1", "1\f", "\u00a01", "1e999999999", "1e131071", "1e131072", "1e-16383", "1e-16384",
  "0e-20000", "0e200000", "-0e5", "0.000e2", "1e2147483648", "-1e-2147483649", '{"a":1,"a":2}', '{"b":1,"a":2,"b":3}',
  '{"aa":1,"b":2,"é":3,"z":4}', "[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]", '{"a":{"a":{"a":{"a":{"a":{}}}}}}', "[]", "{}",
  '"\\/\\b\\f\\n\\r\\t\\"\\\\"', '"\\u001F\\u007F\\u0080"', '"😀"', " [ 1 , 2 ] ", "\n\t\r{ }\n", "-0", "1E+2", "0.10", "1E400",
];
