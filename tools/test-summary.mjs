// Prints one closing line for the whole run, "N passed, N failed", from the JSON reports vitest
// writes to <project>/.test-results/vitest.json (see vitest.shared.ts). Exits non-zero when a
// project's report is missing or empty, so a run that executed no test cannot pass as green.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];
for (const group of ["packages", "apps", "tools"]) {
  const groupDir = join(root, group);
  if (!existsSync(groupDir)) continue;
  for (const name of readdirSync(groupDir)) {
    const projectDir = join(groupDir, name);
    if (!existsSync(join(projectDir, "vitest.config.ts"))) continue;
    const reportPath = join(projectDir, ".test-results", "vitest.json");
    if (!existsSync(reportPath)) {
      missing.push(`${group}/${name}`);
      continue;
    }
    /** @type {{ numPassedTests?: number, numFailedTests?: number, numPendingTests?: number, numTodoTests?: number }} */
    const report = JSON.parse(readFileSync(reportPath, "utf8"));
    passed += report.numPassedTests ?? 0;
    failed += report.numFailedTests ?? 0;
    skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  }
}
if (missing.length > 0) console.error(`no test report from: ${missing.join(", ")}`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(missing.length > 0 || failed > 0 || passed === 0 ? 1 : 0);
