/**
 * The dependency rule as a pure function: workspace packages in, violations out.
 *
 * What it enforces, per package (see README.md for why):
 * - package.json `dependencies`, `peerDependencies` and `optionalDependencies` name only packages
 *   of ours the table allows; `devDependencies` may add `@omnikv/testkit` and the package's
 *   test-only edges (`testOnlyEdges`).
 * - `src/` imports only allowed packages of ours, never itself by name, and every bare package
 *   it imports is a declared run-time dependency (`node:` builtins excepted).
 * - `test/` and `bench/` import only the package itself, its allowed packages, its test-only
 *   edges and testkit.
 * - Nowhere: a deep import (`@omnikv/x/sub/path`), a relative import that leaves the package
 *   directory, or a Node builtin without its `node:` prefix; in `src/`, an `import(expr)` whose
 *   target cannot be read.
 * - Every package is in the table.
 */
import { isBuiltin } from "node:module";
import { posix } from "node:path";
import {
  dependencyTable,
  isWorkspacePackageName,
  testOnlyEdges,
  testkitPackageName,
  type DependencyTable,
} from "./dependency-table.ts";
import { scanImports, type ImportReference } from "./import-scanner.ts";
import type { SourceFile, WorkspacePackage } from "./workspace-packages.ts";

export type ViolationRule =
  | "unknown-package"
  | "forbidden-dependency"
  | "forbidden-import"
  | "deep-import"
  | "escaping-import"
  | "undeclared-dependency"
  | "unprefixed-builtin"
  | "non-literal-dynamic-import";

export interface Violation {
  readonly rule: ViolationRule;
  /** The package directory relative to the repository root: `packages/lsm`. */
  readonly packageDir: string;
  /** `package.json`, or a source path and line inside the package: `src/version-set.ts:12`. */
  readonly location: string;
  readonly message: string;
}

/** One line per violation, e.g. `packages/lsm/src/a.ts:3 [forbidden-import] …`. */
export function formatViolation(violation: Violation): string {
  return `${violation.packageDir}/${violation.location} [${violation.rule}] ${violation.message}`;
}

/** What a specifier names, as far as the rules care. */
type SpecifierTarget =
  | { readonly kind: "relative" }
  | { readonly kind: "builtin" }
  | { readonly kind: "unprefixed-builtin" }
  | { readonly kind: "package"; readonly name: string; readonly subpath: string | undefined }
  | { readonly kind: "other" };

function classifySpecifier(specifier: string): SpecifierTarget {
  if (specifier.startsWith(".") || specifier.startsWith("/")) return { kind: "relative" };
  if (specifier.startsWith("node:")) return { kind: "builtin" };
  // `#internal` (package.json "imports") and URLs (`data:`, `file:`) are not packages.
  if (specifier.startsWith("#") || specifier.includes(":")) return { kind: "other" };
  if (isBuiltin(specifier)) return { kind: "unprefixed-builtin" };
  const parts = specifier.split("/");
  const nameLength = specifier.startsWith("@") ? 2 : 1;
  const name = parts.slice(0, nameLength).join("/");
  const rest = parts.slice(nameLength).join("/");
  return { kind: "package", name, subpath: rest === "" ? undefined : rest };
}

/** True when `specifier`, relative to `filePath`, lands outside the package directory. */
function isEscapingImport(filePath: string, specifier: string): boolean {
  if (specifier.startsWith("/")) return true;
  const target = posix.normalize(posix.join(posix.dirname(filePath), specifier));
  return target === ".." || target.startsWith("../");
}

function runtimeDependencies(pkg: WorkspacePackage): ReadonlySet<string> {
  const { dependencies, peerDependencies, optionalDependencies } = pkg.manifest;
  return new Set([...dependencies, ...peerDependencies, ...optionalDependencies]);
}

function isTestOnlyEdge(from: string, to: string): boolean {
  return testOnlyEdges.get(from)?.has(to) ?? false;
}

function describeAllowed(allowed: ReadonlySet<string>): string {
  return allowed.size === 0 ? "nothing of ours" : [...allowed].sort().join(", ");
}

/** The context every check of one package shares. */
interface PackageContext {
  readonly pkg: WorkspacePackage;
  readonly table: DependencyTable;
  /** The table's row for this package, or undefined when the package is not in the table. */
  readonly allowed: ReadonlySet<string> | undefined;
  readonly declared: ReadonlySet<string>;
  readonly violations: Violation[];
}

function report(context: PackageContext, rule: ViolationRule, location: string, message: string): void {
  context.violations.push({ rule, packageDir: context.pkg.dir, location, message });
}

function checkManifest(context: PackageContext): void {
  const { manifest } = context.pkg;
  const { allowed } = context;
  if (allowed === undefined) return;
  const runtimeFields = ["dependencies", "peerDependencies", "optionalDependencies"] as const;
  const fields = [...runtimeFields, "devDependencies"] as const;
  for (const field of fields) {
    for (const dependency of manifest[field]) {
      if (!isWorkspacePackageName(dependency, context.table)) continue;
      const isDev = field === "devDependencies";
      const isTestOnly = dependency === testkitPackageName || isTestOnlyEdge(manifest.name, dependency);
      const isAllowed = allowed.has(dependency) || (isDev && isTestOnly);
      if (dependency === manifest.name) {
        report(context, "forbidden-dependency", "package.json", `"${field}" names the package itself`);
      } else if (!isAllowed) {
        const testkitNote = dependency === testkitPackageName ? " (testkit belongs in devDependencies)" : "";
        const message = `"${field}" names ${dependency}, but ${manifest.name} may depend on ${describeAllowed(allowed)}${testkitNote}`;
        report(context, "forbidden-dependency", "package.json", message);
      }
    }
  }
}

function checkOurImport(context: PackageContext, file: SourceFile, name: string, location: string): void {
  const { allowed, pkg } = context;
  const self = pkg.manifest.name;
  if (allowed === undefined) return;
  if (file.role !== "src") {
    if (name !== self && name !== testkitPackageName && !allowed.has(name) && !isTestOnlyEdge(self, name)) {
      const message = `imports ${name}; tests and benchmarks may use ${self}, ${testkitPackageName} and ${describeAllowed(allowed)}`;
      report(context, "forbidden-import", location, message);
    }
  } else if (name === self) {
    report(context, "forbidden-import", location, `imports its own package ${name} by name; use a relative import`);
  } else if (!allowed.has(name)) {
    report(context, "forbidden-import", location, `imports ${name}, but ${self} may import ${describeAllowed(allowed)}`);
  } else if (!context.declared.has(name)) {
    report(context, "undeclared-dependency", location, `imports ${name}, which package.json "dependencies" does not list`);
  }
}

function checkImport(context: PackageContext, file: SourceFile, reference: ImportReference): void {
  const location = `${file.path}:${reference.line}`;
  const { specifier } = reference;
  const target = classifySpecifier(specifier);
  if (target.kind === "relative") {
    if (isEscapingImport(file.path, specifier)) {
      report(context, "escaping-import", location, `"${specifier}" leaves the package directory; import the package by name`);
    }
  } else if (target.kind === "unprefixed-builtin") {
    report(context, "unprefixed-builtin", location, `"${specifier}" is a Node builtin; write "node:${specifier}"`);
  } else if (target.kind === "package") {
    const isOurs = isWorkspacePackageName(target.name, context.table);
    if (isOurs && target.subpath !== undefined) {
      report(context, "deep-import", location, `"${specifier}" is a deep import; only the package root "${target.name}" is public`);
    }
    if (isOurs) {
      checkOurImport(context, file, target.name, location);
    } else if (file.role === "src" && !context.declared.has(target.name)) {
      report(context, "undeclared-dependency", location, `imports ${target.name}, which package.json "dependencies" does not list`);
    }
  }
}

function checkSourceFile(context: PackageContext, file: SourceFile): void {
  const scan = scanImports(file.text);
  for (const reference of scan.imports) checkImport(context, file, reference);
  if (file.role !== "src") return;
  for (const line of scan.nonLiteralDynamicImportLines) {
    report(context, "non-literal-dynamic-import", `${file.path}:${line}`, "import() of a computed specifier cannot be checked; import a literal path");
  }
}

/** Every way `packages` break the dependency rule of `table`; empty when they keep it. */
export function checkDependencyRules(
  packages: readonly WorkspacePackage[],
  table: DependencyTable = dependencyTable,
): readonly Violation[] {
  const violations: Violation[] = [];
  for (const pkg of packages) {
    const allowed = table.get(pkg.manifest.name);
    const context: PackageContext = { pkg, table, allowed, declared: runtimeDependencies(pkg), violations };
    if (allowed === undefined) {
      const message = `${pkg.manifest.name} is not in the dependency table; add it to tools/repo-checks/src/dependency-table.ts and ARCHITECTURE.md`;
      report(context, "unknown-package", "package.json", message);
    }
    checkManifest(context);
    for (const file of pkg.files) checkSourceFile(context, file);
  }
  return violations;
}
