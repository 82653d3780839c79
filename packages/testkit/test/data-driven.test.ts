import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  DataDrivenMismatchError,
  makeTempDir,
  parseDataDriven,
  runDataDriven,
  stringArg,
  unknownCommand,
  type DataDrivenCase,
} from "@omnikv/testkit";

const basics = join(import.meta.dirname, "..", "testdata", "basics");

function handler(testCase: DataDrivenCase): string {
  switch (testCase.command) {
    case "upper":
      return testCase.input.toUpperCase();
    case "reverse": {
      const sep = stringArg(testCase, "sep");
      return testCase.input.split(sep).toReversed().join(sep);
    }
    case "split":
      return testCase.input.split(" ").join("\n\n");
    default:
      return unknownCommand(testCase);
  }
}

describe("runDataDriven", () => {
  const temps: { cleanup(): void }[] = [];
  afterEach(() => {
    for (const t of temps.splice(0)) t.cleanup();
  });

  it("passes the golden file", () => {
    runDataDriven(basics, handler);
  });

  it("parses commands, args, input and fenced output", () => {
    const parsed = parseDataDriven("x", readFileSync(basics, "utf8"));
    expect(parsed.cases.map((c) => c.command)).toEqual(["upper", "reverse", "split"]);
    expect(parsed.cases[1]?.args).toEqual([{ key: "sep", values: [";"] }]);
    expect(parsed.cases[2]?.expected).toBe("one\n\ntwo");
    expect(parsed.cases[0]?.line).toBe(2);
  });

  it("fails on a mismatch, naming file and line", () => {
    const dir = makeTempDir("dd");
    temps.push(dir);
    const path = join(dir.path, "golden");
    writeFileSync(path, "upper\nabc\n----\nabc\n");
    expect(() => runDataDriven(path, handler)).toThrowError(/golden:1: upper[\s\S]*expected:\nabc\nactual:\nABC/);
  });

  it("fails on an unknown command", () => {
    const dir = makeTempDir("dd");
    temps.push(dir);
    const path = join(dir.path, "golden");
    writeFileSync(path, "frobnicate\n----\n");
    expect(() => runDataDriven(path, handler)).toThrow(DataDrivenMismatchError);
  });

  it("rewrites outputs with REWRITE=1 and keeps comments", () => {
    const dir = makeTempDir("dd");
    temps.push(dir);
    const path = join(dir.path, "golden");
    copyFileSync(basics, path);
    const original = readFileSync(path, "utf8");
    writeFileSync(path, original.replace("HELLO WORLD", "stale").replace("c;b;a", "old"));
    process.env["REWRITE"] = "1";
    try {
      runDataDriven(path, handler);
    } finally {
      delete process.env["REWRITE"];
    }
    expect(readFileSync(path, "utf8")).toBe(original);
    runDataDriven(path, handler);
  });
});
