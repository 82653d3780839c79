/**
 * Every publishable package under packages/ works as a user will get it: built, packed with
 * `npm pack`, and installed from the tarballs into an empty project outside the workspace. There
 * it must import under Node and type-check under `tsc` without the `@omnikv/source` condition,
 * which proves the `exports` map sends users to `dist/` and that `dist/` is complete.
 *
 * All tarballs are installed in one `npm install`, so internal dependencies (wal on base) are met
 * by the sibling tarballs: nothing is published yet. Third-party dependencies come from the npm
 * cache that `npm ci` filled. Only the gitignored `dist/` of each package changes in the
 * workspace; the temporary directory is removed afterwards.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  consumerSource,
  consumerTsconfig,
  describeCommand,
  findPackageDirs,
  findRepoRoot,
  importProbeScript,
  parseImportProbe,
  parsePackOutput,
  readPackageManifest,
  runCommand,
  tarballProblems,
  type CommandResult,
  type PackedTarball,
} from "@omnikv/repo-checks";

const setupTimeoutMs = 120_000;
const commandTimeoutMs = 90_000;

const repoRoot = findRepoRoot(import.meta.dirname);
const tscPath = join(repoRoot, "node_modules", ".bin", "tsc");
const publishable = findPackageDirs(repoRoot, ["packages"])
  .map((dir) => ({ dir, manifest: readPackageManifest(join(repoRoot, dir)) }))
  .filter((pkg) => !pkg.manifest.isPrivate);
const publishableNames = publishable.map((pkg) => pkg.manifest.name);

interface Step {
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd: string;
}

/** Runs a step and fails with its command line and output unless it exits 0. */
async function runStep(step: Step): Promise<CommandResult> {
  const result = await runCommand(step.file, step.args, { cwd: step.cwd, timeoutMs: commandTimeoutMs });
  if (result.exitCode !== 0) throw new Error(describeCommand(step.file, step.args, result));
  return result;
}

let tempRoot = "";
let consumerDir = "";
let tarballs: readonly PackedTarball[] = [];

beforeAll(async () => {
  tempRoot = realpathSync(mkdtempSync(join(tmpdir(), "omnikv-packaging-")));
  const packDir = join(tempRoot, "tarballs");
  consumerDir = join(tempRoot, "consumer");
  const buildArgs = ["-b", ...publishable.map((pkg) => join(pkg.dir, "tsconfig.lib.json"))];
  await runStep({ file: tscPath, args: buildArgs, cwd: repoRoot });
  const packArgs = ["pack", "--json", "--pack-destination", packDir, ...publishableNames.flatMap((name) => ["-w", name])];
  mkdirSync(packDir);
  mkdirSync(consumerDir);
  tarballs = parsePackOutput((await runStep({ file: "npm", args: packArgs, cwd: repoRoot })).stdout);
  writeFileSync(join(consumerDir, "package.json"), `${JSON.stringify({ type: "module", private: true })}\n`);
  const installArgs = [
    "install",
    "--prefer-offline",
    "--no-audit",
    "--no-fund",
    "--no-package-lock",
    ...tarballs.map((tarball) => join(packDir, tarball.filename)),
  ];
  await runStep({ file: "npm", args: installArgs, cwd: consumerDir });
}, setupTimeoutMs);

afterAll(() => {
  if (tempRoot !== "") rmSync(tempRoot, { recursive: true, force: true });
});

describe("tarballProblems", () => {
  it("reports missing entry points and files that must not ship", () => {
    const files = ["package.json", "dist/index.js", "test/a.test.ts", "bench/a.bench.ts", "dist/tsconfig.tsbuildinfo"];
    expect(tarballProblems({ name: "@omnikv/x", filename: "omnikv-x-0.1.0.tgz", files })).toEqual([
      "missing dist/index.d.ts",
      "should not contain test/a.test.ts",
      "should not contain bench/a.bench.ts",
      "should not contain dist/tsconfig.tsbuildinfo",
    ]);
  });
});

describe("packaging of the publishable packages", () => {
  it("finds at least one publishable package", () => {
    expect(publishableNames).toContain("@omnikv/base");
  });

  it("packs one tarball per publishable package", () => {
    expect(tarballs.map((tarball) => tarball.name).sort()).toEqual([...publishableNames].sort());
  });

  it.each(publishableNames)("packs %s with dist/ and without tests, benchmarks or build state", (name) => {
    const tarball = tarballs.find((candidate) => candidate.name === name);
    const problems = tarball === undefined ? [`no tarball for ${name}`] : tarballProblems(tarball);
    expect(problems).toEqual([]);
  });

  it.each(publishableNames)("imports %s under Node from dist/", async (name) => {
    const args = ["--input-type=module", "-e", importProbeScript(name)];
    const probe = parseImportProbe((await runStep({ file: process.execPath, args, cwd: consumerDir })).stdout);
    const installedDist = pathToFileURL(join(consumerDir, "node_modules", name, "dist") + sep).href;
    expect(probe.resolved.startsWith(installedDist), `${name} resolved to ${probe.resolved}`).toBe(true);
    expect(probe.exportNames.length).toBeGreaterThan(0);
  });

  it("type-checks a consumer that imports every package, resolving types to dist/*.d.ts", async () => {
    writeFileSync(join(consumerDir, "consumer.ts"), consumerSource(publishableNames));
    writeFileSync(join(consumerDir, "tsconfig.json"), consumerTsconfig(join(repoRoot, "node_modules", "@types")));
    const args = ["-p", "tsconfig.json", "--pretty", "false", "--listFiles"];
    const listed = (await runStep({ file: tscPath, args, cwd: consumerDir })).stdout.split("\n");
    const ourFiles = listed.filter((path) => path.includes("/node_modules/@omnikv/"));
    for (const name of publishableNames) {
      expect(listed).toContain(join(consumerDir, "node_modules", name, "dist", "index.d.ts"));
    }
    expect(ourFiles.filter((path) => !/\/node_modules\/@omnikv\/[^/]+\/dist\//.test(path))).toEqual([]);
    expect(listed.filter((path) => path.startsWith(join(repoRoot, "packages")))).toEqual([]);
  });
});
