/**
 * Builds this package's dist/ once before the tests: the real-process test runs the example KV
 * server (examples/kv-server), which imports `@omnikv/raft` the way a consumer does (Node 20
 * cannot run the TypeScript source directly). `tsc -b` is incremental, so this is a no-op when
 * dist/ is current.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";

export default function setup(): void {
  const packageDir = join(import.meta.dirname, "..");
  const tsc = join(packageDir, "..", "..", "node_modules", ".bin", "tsc");
  execFileSync(tsc, ["-b", join(packageDir, "tsconfig.lib.json")], { stdio: "inherit" });
}
