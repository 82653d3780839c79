/**
 * Every statement in the shared sqllogictest corpus (SQLite's, which real PostgreSQL passes)
 * parses and round-trips. Records marked `onlyif <other engine>` or `skipif postgresql` are not
 * PostgreSQL's to run, so they are left out, as the corpus' own driver would.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "@omnikv/parser";
import { assertRoundTrips } from "./round-trip.ts";

const corpus = join(import.meta.dirname, "../../../../shared/sqllogictest");

/** The SQL of each `statement` and `query` record that PostgreSQL runs. */
export function sqlLogicTestStatements(text: string): string[] {
  const lines = text.split("\n");
  const statements: string[] = [];
  let isSkipped = false;
  let index = 0;
  while (index < lines.length) {
    const line = lines[index] ?? "";
    index += 1;
    if (line.startsWith("onlyif ")) isSkipped ||= !line.startsWith("onlyif postgresql");
    else if (line.startsWith("skipif ")) isSkipped ||= line.startsWith("skipif postgresql");
    else if (line.startsWith("statement ") || line.startsWith("query ")) {
      const sql: string[] = [];
      while (index < lines.length && (lines[index] ?? "").trim() !== "" && lines[index] !== "----") {
        sql.push(lines[index] ?? "");
        index += 1;
      }
      if (!isSkipped) statements.push(sql.join("\n"));
      isSkipped = false;
    } else if (line.trim() === "") {
      isSkipped = false;
    }
  }
  return statements;
}

describe("sqllogictest corpus", () => {
  const files = readdirSync(corpus).filter((name) => name.endsWith(".test")).toSorted();

  it("is present beside the repository", () => {
    expect(files).toEqual(["in1.test", "select1.test", "select2.test", "select3.test"]);
  });

  for (const file of files) {
    it(`parses and round-trips every statement of ${file}`, () => {
      const statements = sqlLogicTestStatements(readFileSync(join(corpus, file), "utf8"));
      expect(statements.length).toBeGreaterThan(100);
      for (const sql of statements) {
        const parsed = parse(sql);
        expect(parsed, sql).toHaveLength(1);
        assertRoundTrips(sql, parsed);
      }
    });
  }
});
