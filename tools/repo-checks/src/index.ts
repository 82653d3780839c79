/**
 * @omnikv/repo-checks (private) — repository-wide rules run as tests: the package dependency
 * rule ("lint as a test") and the packaging check of every publishable package.
 */
export { checkDependencyRules, formatViolation } from "./dependency-rules.ts";
export type { Violation, ViolationRule } from "./dependency-rules.ts";
export {
  dependencyTable,
  isWorkspacePackageName,
  testkitPackageName,
  workspaceScope,
} from "./dependency-table.ts";
export type { DependencyTable } from "./dependency-table.ts";
export { scanImports } from "./import-scanner.ts";
export type { ImportKind, ImportReference, ImportScan } from "./import-scanner.ts";
export {
  consumerSource,
  consumerTsconfig,
  importProbeScript,
  isUnpublishablePath,
  parseImportProbe,
  parsePackOutput,
  requiredTarballFiles,
  tarballProblems,
} from "./packaging.ts";
export type { ImportProbe, PackedTarball } from "./packaging.ts";
export { describeCommand, runCommand } from "./run-command.ts";
export type { CommandResult, RunCommandOptions } from "./run-command.ts";
export {
  findPackageDirs,
  findRepoRoot,
  parsePackageManifest,
  readPackageManifest,
  readWorkspacePackage,
  readWorkspacePackages,
  ruledPackageGroups,
} from "./workspace-packages.ts";
export type { PackageManifest, SourceFile, SourceRole, WorkspacePackage } from "./workspace-packages.ts";
