/**
 * Spill files under a SpillCipher: spilled rows never reach the disk in plaintext, results equal
 * the unencrypted run, and a tampered or truncated chunk is XX001. The cipher here is testkit's
 * AES-256-GCM (the product's is @omnikv/security's, which this package may not import).
 */
import { readFileSync, readdirSync, rmSync, truncateSync, writeFileSync, mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DataCorruptedError } from "@omnikv/base";
import { builtinAggregates, builtinRegistry, compilePlan, type Row, type SpillCipher } from "@omnikv/executor";
import { createCountingTestCipher } from "@omnikv/testkit";
import { parse } from "@omnikv/parser";
import { planSelect } from "@omnikv/planner";
import { SpillDirectory } from "../../src/operators/spill-file.ts";
import { MemoryDatabase, context, settings } from "./memory-tables.ts";

const marker = "MARKER-PLAINTEXT";
const rows = Array.from({ length: 20_000 }, (_, i) => [String(i % 977), `${marker}-${i}`, String(i)]);
const db = new MemoryDatabase([{ name: "big", columns: [["a", "int8"], ["b", "text"], ["id", "int4"]], rows }]);

let directory: string | undefined;
afterEach(() => {
  if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
});

function spillFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((sub) => readdirSync(join(dir, sub)).map((name) => join(dir, sub, name)));
}

/** Runs `sql` with a tiny work_mem; returns its rows and how many spill files held the marker in plaintext. */
function run(sql: string, spillCipher?: SpillCipher): { rows: Row[]; files: number; plaintextFiles: number } {
  const [statement] = parse(sql);
  if (statement?.kind !== "select") throw new Error("not a select");
  const plan = planSelect(statement, { catalog: db, settings, paramTypes: [], sql, ctes: [] }).plan;
  const compiled = compilePlan(plan, { registry: builtinRegistry, aggregates: builtinAggregates });
  const tempDirectory = mkdtempSync(join(tmpdir(), "omnikv-spill-enc-test-"));
  directory = tempDirectory;
  const out: Row[] = [];
  let files = 0;
  let plaintextFiles = 0;
  for (const row of compiled({ tables: db, context, params: [], tempDirectory, workMemBytes: 64 * 1024, ...(spillCipher === undefined ? {} : { spillCipher }) })) {
    if (out.length === 0) {
      const found = spillFiles(tempDirectory);
      files = found.length;
      plaintextFiles = found.filter((path) => readFileSync(path).includes(Buffer.from(marker))).length;
    }
    out.push(row);
  }
  return { rows: out, files, plaintextFiles };
}

describe("encrypted spill files", () => {
  // Whether the unencrypted run's files still hold input rows when the first row comes out (a
  // spilling aggregation has consumed the partitions holding `b` by then): the grep's sanity check.
  for (const [sql, isPlaintextVisible] of [
    ["SELECT b, id FROM big ORDER BY b, id", true],
    ["SELECT b, count(*), max(id) FROM big GROUP BY b", false],
    ["SELECT x.b, y.id FROM big x JOIN big y ON x.id = y.id + 3", true],
  ] as const) {
    it(`hold no plaintext and give the unencrypted result: ${sql}`, () => {
      const plain = run(sql);
      expect(plain.files).toBeGreaterThan(0);
      if (isPlaintextVisible) expect(plain.plaintextFiles).toBeGreaterThan(0);
      const cipher = createCountingTestCipher();
      const encrypted = run(sql, cipher);
      expect(encrypted.files).toBeGreaterThan(0);
      expect(encrypted.plaintextFiles).toBe(0);
      expect(cipher.sealed).toBeGreaterThan(0);
      expect(cipher.opened).toBe(cipher.sealed);
      const key = (row: Row): string => JSON.stringify(row, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v));
      expect(encrypted.rows.map(key).sort()).toEqual(plain.rows.map(key).sort());
    });
  }

  it("a flipped bit, a swapped chunk or a truncated file is XX001", () => {
    const dir = mkdtempSync(join(tmpdir(), "omnikv-spill-enc-unit-"));
    directory = dir;
    const cipher = createCountingTestCipher();
    const spill = new SpillDirectory(dir, cipher);
    const manyRows = rows.slice(0, 8000).map((row) => [BigInt(row[0] ?? 0), row[1] ?? "", Number(row[2])]);
    const oids = [20, 25, 23];
    const reader = spill.write(manyRows, oids);
    expect([...reader.rows()]).toEqual(manyRows);
    const [path = ""] = readdirSync(spill.path).map((name) => join(spill.path, name));
    const original = readFileSync(path);
    expect(original.includes(Buffer.from(marker))).toBe(false);

    const flipped = Buffer.from(original);
    flipped[100] = (flipped[100] ?? 0) ^ 1;
    writeFileSync(path, flipped);
    expect(() => [...reader.rows()]).toThrow(DataCorruptedError);

    // Swap the first two chunks: each is intact, but bound to the other position.
    const firstLength = original.readUInt32BE(0);
    const first = original.subarray(0, 4 + firstLength);
    const secondLength = original.readUInt32BE(4 + firstLength);
    const second = original.subarray(4 + firstLength, 8 + firstLength + secondLength);
    writeFileSync(path, Buffer.concat([second, first, original.subarray(8 + firstLength + secondLength)]));
    expect(() => [...reader.rows()]).toThrow(DataCorruptedError);

    writeFileSync(path, original);
    truncateSync(path, statSync(path).size - 7);
    expect(() => [...reader.rows()]).toThrow(DataCorruptedError);
    spill.remove();
  });
});
