/**
 * Reads the workspace from disk into plain data for the checks: every directory under
 * `packages/` and `apps/` that has a `package.json`, its manifest, and the text of every source
 * file under `src/`, `test/` and `bench/`.
 *
 * Discovery lists directories rather than naming packages, so a new package is checked the day
 * it appears. Everything returned is sorted, so reports are stable from run to run.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, extname, join } from "node:path";
import { isRecord, objectKeys, parseJson, stringField } from "./json.ts";

export interface PackageManifest {
  readonly name: string;
  readonly isPrivate: boolean;
  readonly dependencies: readonly string[];
  readonly peerDependencies: readonly string[];
  readonly optionalDependencies: readonly string[];
  readonly devDependencies: readonly string[];
}

/** Where a file sits decides its rules: `src/` ships to users; `test/` and `bench/` do not. */
export type SourceRole = "src" | "test" | "bench";

export interface SourceFile {
  /** Path relative to the package directory, with `/` separators: `src/mem-table.ts`. */
  readonly path: string;
  readonly role: SourceRole;
  readonly text: string;
}

export interface WorkspacePackage {
  /** Directory relative to the repository root, with `/` separators: `packages/lsm`. */
  readonly dir: string;
  readonly manifest: PackageManifest;
  readonly files: readonly SourceFile[];
}

/** The workspace directories whose packages the dependency rule governs. */
export const ruledPackageGroups: readonly string[] = ["packages", "apps"];

const sourceRoles: readonly SourceRole[] = ["src", "test", "bench"];
const sourceExtensions = new Set([".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"]);
const skippedDirectories = new Set(["node_modules", "dist"]);

/** The nearest directory at or above `startDir` whose package.json declares `workspaces`. */
export function findRepoRoot(startDir: string): string {
  for (let dir = startDir; ; dir = dirname(dir)) {
    const manifestPath = join(dir, "package.json");
    if (existsSync(manifestPath)) {
      const manifest = parseJson(readFileSync(manifestPath, "utf8"), manifestPath);
      if (isRecord(manifest) && manifest["workspaces"] !== undefined) return dir;
    }
    if (dirname(dir) === dir) throw new Error(`no workspace root above ${startDir}`);
  }
}

/** `packages/base`, `apps/server`, …: the directories of `groups` that hold a package.json. */
export function findPackageDirs(repoRoot: string, groups: readonly string[]): readonly string[] {
  const dirs: string[] = [];
  for (const group of groups) {
    const groupPath = join(repoRoot, group);
    if (!existsSync(groupPath)) continue;
    for (const entry of readdirSync(groupPath, { withFileTypes: true })) {
      if (entry.isDirectory() && existsSync(join(groupPath, entry.name, "package.json"))) {
        dirs.push(`${group}/${entry.name}`);
      }
    }
  }
  return dirs.sort();
}

/** Narrows a parsed package.json to the fields the checks read. */
export function parsePackageManifest(json: unknown, where: string): PackageManifest {
  if (!isRecord(json)) throw new Error(`${where} is not a JSON object`);
  const name = stringField(json, "name");
  if (name === undefined) throw new Error(`${where} has no "name"`);
  const isPrivate = json["private"] === true;
  return {
    name,
    isPrivate,
    dependencies: objectKeys(json, "dependencies", where),
    peerDependencies: objectKeys(json, "peerDependencies", where),
    optionalDependencies: objectKeys(json, "optionalDependencies", where),
    devDependencies: objectKeys(json, "devDependencies", where),
  };
}

export function readPackageManifest(packagePath: string): PackageManifest {
  const manifestPath = join(packagePath, "package.json");
  return parsePackageManifest(parseJson(readFileSync(manifestPath, "utf8"), manifestPath), manifestPath);
}

/** Relative paths (with `/`) of the source files under `relativeDir`, recursively, sorted. */
function listSourceFiles(packagePath: string, relativeDir: string): string[] {
  const absoluteDir = join(packagePath, relativeDir);
  if (!existsSync(absoluteDir)) return [];
  const paths: string[] = [];
  for (const entry of readdirSync(absoluteDir, { withFileTypes: true })) {
    const relativePath = `${relativeDir}/${entry.name}`;
    if (entry.isDirectory() && !skippedDirectories.has(entry.name)) {
      paths.push(...listSourceFiles(packagePath, relativePath));
    } else if (entry.isFile() && sourceExtensions.has(extname(entry.name))) {
      paths.push(relativePath);
    }
  }
  return paths.sort();
}

export function readWorkspacePackage(repoRoot: string, dir: string): WorkspacePackage {
  const packagePath = join(repoRoot, dir);
  const files = sourceRoles.flatMap((role) =>
    listSourceFiles(packagePath, role).map((path) => ({
      path,
      role,
      text: readFileSync(join(packagePath, path), "utf8"),
    })),
  );
  return { dir, manifest: readPackageManifest(packagePath), files };
}

/** Every package of `groups` (by default the ones the dependency rule governs), read from disk. */
export function readWorkspacePackages(
  repoRoot: string,
  groups: readonly string[] = ruledPackageGroups,
): readonly WorkspacePackage[] {
  return findPackageDirs(repoRoot, groups).map((dir) => readWorkspacePackage(repoRoot, dir));
}
