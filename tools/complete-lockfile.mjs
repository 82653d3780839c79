// Completes package-lock.json with an entry for every optional dependency the registry did not serve.
//
// Why: the npm registry this project installs from carries only some platforms' builds of
// packages such as @nx/nx-<platform> and @oxlint/binding-<platform>. `npm install` skips the
// missing optional builds and leaves them out of the lockfile, and `npm ci` then refuses the lock
// ("Missing: … from lock file"). An entry marked optional lets `npm ci` accept the lock and skip
// the build it cannot fetch, exactly as `npm install` does; on a registry that has the build, npm
// installs it as usual.
//
// Usage: `npm install && node tools/complete-lockfile.mjs` (the root `lock` script) after any
// dependency change; `node tools/complete-lockfile.mjs --check` fails if an entry is missing
// (repo-checks runs it in `npm test`).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const lockPath = join(import.meta.dirname, "..", "package-lock.json");
/** @type {{ packages: Record<string, { version?: string, dev?: boolean, optional?: boolean, optionalDependencies?: Record<string, string> }> }} */
const lock = JSON.parse(readFileSync(lockPath, "utf8"));
const isCheck = process.argv.includes("--check");
const missing = [];
for (const [path, entry] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    // npm resolves a dependency next to its dependent first, then up to the root node_modules.
    const nested = `${path === "" ? "" : `${path}/`}node_modules/${name}`;
    const hoisted = `node_modules/${name}`;
    if (lock.packages[nested] !== undefined || lock.packages[hoisted] !== undefined) continue;
    missing.push(name);
    lock.packages[hoisted] = { version, ...(entry.dev === true ? { dev: true } : {}), optional: true };
  }
}
if (isCheck) {
  if (missing.length > 0) {
    console.error(`package-lock.json lacks ${missing.length} optional entries (${missing.slice(0, 3).join(", ")}, …): run "npm run lock"`);
    process.exit(1);
  }
  console.log("package-lock.json is complete");
} else {
  const sorted = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : a > b ? 1 : 0)));
  writeFileSync(lockPath, `${JSON.stringify({ ...lock, packages: sorted }, null, 2)}\n`);
  console.log(`added ${missing.length} optional entries to package-lock.json`);
}
