/**
 * The dependency rule as a test (Pebble's "lint as a test"): the real workspace keeps the table
 * of STYLE.md section 2, and fabricated packages that break it are caught, so a passing run
 * means the rule was checked rather than that the checker saw nothing.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  checkDependencyRules,
  findRepoRoot,
  formatViolation,
  readWorkspacePackages,
  scanImports,
  type SourceRole,
  type Violation,
  type WorkspacePackage,
} from "@omnikv/repo-checks";

interface FakePackageSpec {
  readonly dir: string;
  readonly name: string;
  readonly dependencies?: readonly string[];
  readonly peerDependencies?: readonly string[];
  readonly devDependencies?: readonly string[];
  /** Source text by path inside the package: `{ "src/index.ts": "…" }`. */
  readonly files?: Readonly<Record<string, string>>;
}

function roleOf(path: string): SourceRole {
  const top = path.split("/")[0];
  if (top === "src" || top === "test" || top === "bench") return top;
  throw new Error(`fake file ${path} is not under src/, test/ or bench/`);
}

function fakePackage(spec: FakePackageSpec): WorkspacePackage {
  return {
    dir: spec.dir,
    manifest: {
      name: spec.name,
      isPrivate: false,
      dependencies: spec.dependencies ?? [],
      peerDependencies: spec.peerDependencies ?? [],
      optionalDependencies: [],
      devDependencies: spec.devDependencies ?? [],
    },
    files: Object.entries(spec.files ?? {}).map(([path, text]) => ({ path, role: roleOf(path), text })),
  };
}

/** `rule dir/location`: enough to assert which violation was found where. */
function summarize(violations: readonly Violation[]): readonly string[] {
  return violations.map((violation) => `${violation.rule} ${violation.packageDir}/${violation.location}`);
}

function checkOne(spec: FakePackageSpec): readonly string[] {
  return summarize(checkDependencyRules([fakePackage(spec)]));
}

const cleanBase = fakePackage({
  dir: "packages/base",
  name: "@omnikv/base",
  files: { "src/index.ts": 'export { assert } from "./assert.ts";\n', "src/assert.ts": "export function assert() {}\n" },
});

const cleanLsm = fakePackage({
  dir: "packages/lsm",
  name: "@omnikv/lsm",
  dependencies: ["@omnikv/base", "@omnikv/wal", "crc-32"],
  devDependencies: ["@omnikv/testkit"],
  files: {
    "src/index.ts": [
      'import { readFileSync } from "node:fs";',
      'import type { Lsn } from "@omnikv/base";',
      'export { Wal } from "@omnikv/wal";',
      'import crc32 from "crc-32";',
      'export * from "./sstable/reader.ts";',
    ].join("\n"),
    "src/sstable/reader.ts": 'import { assert } from "@omnikv/base";\nimport { x } from "../internal/x.ts";\n',
    "test/lsm.test.ts": 'import { LsmStore } from "@omnikv/lsm";\nimport { runDataDriven } from "@omnikv/testkit";\nimport { it } from "vitest";\nimport { reader } from "../src/sstable/reader.ts";\n',
    "bench/put.bench.ts": 'import { bench } from "vitest";\nimport { LsmStore } from "@omnikv/lsm";\n',
  },
});

describe("the repository", () => {
  const repoRoot = findRepoRoot(import.meta.dirname);
  const packages = readWorkspacePackages(repoRoot);

  it("discovers every package under packages/ and apps/", () => {
    const dirs = packages.map((pkg) => pkg.dir);
    expect(dirs).toContain("packages/base");
    expect(dirs).toContain("packages/testkit");
    expect(dirs.every((dir) => dir.startsWith("packages/") || dir.startsWith("apps/"))).toBe(true);
    expect(packages.find((pkg) => pkg.dir === "packages/base")?.files.length).toBeGreaterThan(0);
  });

  it("keeps the dependency rule", () => {
    // A failure lists one violation per line: `packages/lsm/src/a.ts:3 [forbidden-import] …`.
    expect(checkDependencyRules(packages).map(formatViolation)).toEqual([]);
  });
});

describe("checkDependencyRules on fabricated packages", () => {
  it("accepts packages that keep the rule", () => {
    expect(summarize(checkDependencyRules([cleanBase, cleanLsm]))).toEqual([]);
  });

  it("reports lsm importing txn, in the source and in package.json", () => {
    const lsmImportingTxn = {
      dir: "packages/lsm",
      name: "@omnikv/lsm",
      dependencies: ["@omnikv/base", "@omnikv/txn"],
      files: { "src/mvcc.ts": '// lsm satisfies MvccStore structurally\nimport type { MvccStore } from "@omnikv/txn";\n' },
    };
    expect(checkOne(lsmImportingTxn)).toEqual([
      "forbidden-dependency packages/lsm/package.json",
      "forbidden-import packages/lsm/src/mvcc.ts:2",
    ]);
  });

  it("lets txn's tests use lsm (a test-only edge) but never its src or run-time dependencies", () => {
    const txnTestingOverLsm = {
      dir: "packages/txn",
      name: "@omnikv/txn",
      dependencies: ["@omnikv/base"],
      devDependencies: ["@omnikv/lsm", "@omnikv/testkit"],
      files: { "test/history.test.ts": 'import { LsmStore } from "@omnikv/lsm";\n', "bench/txn.mjs": 'import { LsmStore } from "@omnikv/lsm";\n' },
    };
    expect(checkOne(txnTestingOverLsm)).toEqual([]);
    const txnImportingLsm = {
      ...txnTestingOverLsm,
      dependencies: ["@omnikv/base", "@omnikv/lsm"],
      files: { "src/store.ts": 'import { LsmStore } from "@omnikv/lsm";\n' },
    };
    expect(checkOne(txnImportingLsm)).toEqual(["forbidden-dependency packages/txn/package.json", "forbidden-import packages/txn/src/store.ts:1"]);
    const walTestingLsm = { dir: "packages/wal", name: "@omnikv/wal", devDependencies: ["@omnikv/lsm"], files: { "test/a.test.ts": 'import "@omnikv/lsm";\n' } };
    expect(checkOne(walTestingLsm)).toEqual(["forbidden-dependency packages/wal/package.json", "forbidden-import packages/wal/test/a.test.ts:1"]);
  });

  it("reports base importing wal however the import is written", () => {
    const baseImportingWal = {
      dir: "packages/base",
      name: "@omnikv/base",
      files: {
        "src/a.ts": 'import { Wal } from "@omnikv/wal";',
        "src/b.ts": 'export * from "@omnikv/wal";',
        "src/c.ts": 'const wal = await import("@omnikv/wal");',
        "src/d.ts": 'export type { Wal } from "@omnikv/wal";',
      },
    };
    expect(checkOne(baseImportingWal)).toEqual([
      "forbidden-import packages/base/src/a.ts:1",
      "forbidden-import packages/base/src/b.ts:1",
      "forbidden-import packages/base/src/c.ts:1",
      "forbidden-import packages/base/src/d.ts:1",
    ]);
  });

  it("reports deep imports of our packages, even of an allowed one", () => {
    const deep = {
      dir: "packages/wal",
      name: "@omnikv/wal",
      dependencies: ["@omnikv/base"],
      files: {
        "src/a.ts": 'import { assert } from "@omnikv/base/src/assert.ts";',
        "test/a.test.ts": 'import { x } from "@omnikv/testkit/dist/index.js";',
      },
    };
    expect(checkOne(deep)).toEqual([
      "deep-import packages/wal/src/a.ts:1",
      "deep-import packages/wal/test/a.test.ts:1",
    ]);
  });

  it("reports an npm import that package.json dependencies do not declare", () => {
    const undeclared = {
      dir: "packages/wal",
      name: "@omnikv/wal",
      dependencies: ["@omnikv/base"],
      // A devDependency is not installed for users, so it does not count for src/.
      devDependencies: ["crc-32"],
      files: {
        "src/frame.ts": 'import crc32 from "crc-32";\nimport { assert } from "@omnikv/base";\nimport { y } from "@scope/lib/sub";\n',
        "src/segment.ts": 'import { Lsn } from "@omnikv/base";\n',
        "test/frame.test.ts": 'import fc from "fast-check";\n',
      },
    };
    expect(checkOne(undeclared)).toEqual([
      "undeclared-dependency packages/wal/src/frame.ts:1",
      "undeclared-dependency packages/wal/src/frame.ts:3",
    ]);
    const withoutBase = { ...undeclared, dependencies: [], devDependencies: ["crc-32", "@omnikv/base"] };
    expect(checkOne(withoutBase)).toContain("undeclared-dependency packages/wal/src/segment.ts:1");
  });

  it("accepts peer dependencies as declared", () => {
    const peer = {
      dir: "packages/wal",
      name: "@omnikv/wal",
      peerDependencies: ["@omnikv/base", "crc-32"],
      files: { "src/a.ts": 'import crc32 from "crc-32";\nimport { assert } from "@omnikv/base";\n' },
    };
    expect(checkOne(peer)).toEqual([]);
  });

  it("reports relative imports that leave the package directory", () => {
    const escaping = {
      dir: "packages/engine",
      name: "@omnikv/engine",
      files: {
        "src/a.ts": 'import { LsmStore } from "../../lsm/src/index.ts";',
        "src/deep/b.ts": 'import { c } from "../../package.json";\nimport { d } from "../c.ts";',
        "test/e.test.ts": 'import { f } from "../../../vitest.shared.ts";\nimport { g } from "../src/a.ts";',
      },
    };
    expect(checkOne(escaping)).toEqual([
      "escaping-import packages/engine/src/a.ts:1",
      "escaping-import packages/engine/test/e.test.ts:1",
    ]);
  });

  it("reports a package that is not in the table", () => {
    const unknown = { dir: "packages/cache", name: "@omnikv/cache", dependencies: ["@omnikv/base"] };
    expect(checkOne(unknown)).toEqual(["unknown-package packages/cache/package.json"]);
  });

  it("allows testkit in devDependencies and tests only", () => {
    const testkitUse = {
      dir: "packages/parser",
      name: "@omnikv/parser",
      dependencies: ["@omnikv/base", "@omnikv/testkit"],
      devDependencies: ["@omnikv/testkit", "@omnikv/lsm"],
      files: {
        "src/a.ts": 'import { makeTempDir } from "@omnikv/testkit";',
        "test/a.test.ts": 'import { runDataDriven } from "@omnikv/testkit";\nimport { Parser } from "@omnikv/parser";',
      },
    };
    expect(checkOne(testkitUse)).toEqual([
      "forbidden-dependency packages/parser/package.json",
      "forbidden-dependency packages/parser/package.json",
      "forbidden-import packages/parser/src/a.ts:1",
    ]);
  });

  it("holds tests and benchmarks to the package's own row of the table", () => {
    const planner = {
      dir: "packages/planner",
      name: "@omnikv/planner",
      files: {
        "test/plan.test.ts": 'import { Parser } from "@omnikv/parser";\nimport { Executor } from "@omnikv/executor";',
        "bench/plan.bench.ts": 'import { LsmStore } from "@omnikv/lsm";',
      },
    };
    expect(checkOne(planner)).toEqual([
      "forbidden-import packages/planner/test/plan.test.ts:2",
      "forbidden-import packages/planner/bench/plan.bench.ts:1",
    ]);
  });

  it("reports a package importing itself by name from src/", () => {
    const self = {
      dir: "packages/base",
      name: "@omnikv/base",
      dependencies: ["@omnikv/base"],
      files: { "src/a.ts": 'import { assert } from "@omnikv/base";' },
    };
    expect(checkOne(self)).toEqual([
      "forbidden-dependency packages/base/package.json",
      "forbidden-import packages/base/src/a.ts:1",
    ]);
  });

  it("reports unprefixed builtins and computed dynamic imports", () => {
    const loose = {
      dir: "packages/raft",
      name: "@omnikv/raft",
      files: { "src/a.ts": 'import { readFileSync } from "fs";\nconst m = await import(pluginPath);\n' },
    };
    expect(checkOne(loose)).toEqual([
      "unprefixed-builtin packages/raft/src/a.ts:1",
      "non-literal-dynamic-import packages/raft/src/a.ts:2",
    ]);
  });

  it("lets the server compose every library under either of its names", () => {
    const libraries = ["base", "wal", "lsm", "txn", "parser", "planner", "executor", "engine", "pgwire", "raft", "security"];
    const names = libraries.map((name) => `@omnikv/${name}`);
    const source = names.map((name) => `import * as ${name.slice(8)} from "${name}";`).join("\n");
    for (const serverName of ["omnikv", "@omnikv/server"]) {
      const server = { dir: "apps/server", name: serverName, dependencies: names, files: { "src/main.ts": source } };
      expect(checkOne(server)).toEqual([]);
    }
    const lsmImportingServer = { dir: "packages/lsm", name: "@omnikv/lsm", dependencies: ["omnikv"] };
    expect(checkOne(lsmImportingServer)).toEqual(["forbidden-dependency packages/lsm/package.json"]);
  });
});

describe("scanImports", () => {
  function specifiers(text: string): readonly string[] {
    return scanImports(text).imports.map((reference) => `${reference.line} ${reference.kind} ${reference.specifier}`);
  }

  it("finds every import form with its line", () => {
    const source = [
      'import a from "m1";',
      'import type { T } from "m2";',
      "import {",
      "  b,",
      "  type C,",
      '} from "m3";',
      'import "m4";',
      'export * as ns from "m5";',
      'export { d } from "m6";',
      "const e = await import('m7');",
      'import f = require("m8");',
      'const g = require("m9");',
      "type H = typeof import(`m10`);",
      'import * as i from "m11" with { type: "json" };',
    ].join("\n");
    expect(specifiers(source)).toEqual([
      "1 static m1",
      "2 static m2",
      "6 static m3",
      "7 static m4",
      "8 static m5",
      "9 static m6",
      "10 dynamic m7",
      "11 static m8",
      "12 require m9",
      "13 dynamic m10",
      "14 static m11",
    ]);
  });

  it("ignores comments, strings, templates, regexes and member calls", () => {
    const source = [
      "/**",
      ' * import { x } from "c1";',
      " */",
      '// export * from "c2";',
      "const s = 'import a from \"c3\"';",
      "const t = `${'import(\"c4\")'} import b from \"c5\"`;",
      'const r = /import "c6"/u;',
      'loader.import("c7");',
      "const u = import.meta.url;",
      "export const from = 1;",
      "export function f() { return ok; }",
      'import last from "real";',
    ].join("\n");
    expect(specifiers(source)).toEqual(["12 static real"]);
  });

  it("reports computed dynamic imports but not methods named import", () => {
    const source = [
      "const m = await import(path);",
      "class Loader {",
      "  async import(name: string): Promise<void> {}",
      "  import(name) { return name; }",
      "}",
    ].join("\n");
    expect(scanImports(source).nonLiteralDynamicImportLines).toEqual([1]);
  });

  it("keeps line numbers through multi-line comments and templates", () => {
    const source = ["/*", "", "*/", "const t = `", "${a}", "`;", 'import x from "after";'].join("\n");
    expect(specifiers(source)).toEqual(["7 static after"]);
  });
});

describe("readWorkspacePackages on a directory tree", () => {
  const tempDirs: string[] = [];
  afterEach(() => {
    for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function writeTree(root: string, files: Readonly<Record<string, string>>): void {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
  }

  it("finds packages by their package.json and checks their files", () => {
    const root = mkdtempSync(join(tmpdir(), "omnikv-repo-checks-"));
    tempDirs.push(root);
    writeTree(root, {
      "package.json": JSON.stringify({ name: "fake-root", workspaces: ["packages/*", "apps/*"] }),
      "packages/lsm/package.json": JSON.stringify({ name: "@omnikv/lsm", dependencies: { "@omnikv/base": "0.1.0" } }),
      "packages/lsm/src/index.ts": 'import { assert } from "@omnikv/base";\nimport { begin } from "@omnikv/txn";\n',
      "packages/lsm/src/node_modules/ignored.ts": 'import "@omnikv/engine";',
      "packages/lsm/dist/index.js": 'import "@omnikv/engine";',
      "packages/notes/README.md": "not a package: no package.json",
      "apps/server/package.json": JSON.stringify({ name: "omnikv", private: true }),
    });
    const packages = readWorkspacePackages(findRepoRoot(join(root, "packages", "lsm")));
    expect(packages.map((pkg) => pkg.dir)).toEqual(["apps/server", "packages/lsm"]);
    expect(packages[1]?.files.map((file) => file.path)).toEqual(["src/index.ts"]);
    expect(summarize(checkDependencyRules(packages))).toEqual(["forbidden-import packages/lsm/src/index.ts:2"]);
  });
});
