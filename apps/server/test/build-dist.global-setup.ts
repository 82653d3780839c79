/**
 * Builds the server's dist/ (and, through project references, every library it uses) once before
 * the tests: they start `node dist/cli.js` as a user would. `tsc -b` is a no-op when current.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";

export default function setup(): void {
  const appDir = join(import.meta.dirname, "..");
  const tsc = join(appDir, "..", "..", "node_modules", ".bin", "tsc");
  execFileSync(tsc, ["-b", join(appDir, "tsconfig.lib.json")], { stdio: "inherit" });
}
