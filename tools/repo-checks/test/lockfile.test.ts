/**
 * `npm ci` (what CI runs) refuses a lockfile that lacks an entry for any optional dependency, and
 * this machine's registry does not serve every platform's optional builds, so `npm install` leaves
 * some out. `tools/complete-lockfile.mjs` adds them; this test fails when a dependency change was
 * locked without it, before CI finds out.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findRepoRoot, runCommand } from "@omnikv/repo-checks";

describe("package-lock.json", () => {
  it("has an entry for every optional dependency, so npm ci accepts it", async () => {
    const repoRoot = findRepoRoot(import.meta.dirname);
    const result = await runCommand(process.execPath, [join(repoRoot, "tools", "complete-lockfile.mjs"), "--check"], {
      cwd: repoRoot,
      timeoutMs: 30_000,
    });
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
  });
});
