/**
 * Temporary directories for tests that touch the real file system. Each is created under the OS
 * temp dir with a readable prefix and removed by `cleanup()` (call it in `afterEach`).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TempDir {
  readonly path: string;
  cleanup(): void;
}

export function makeTempDir(prefix: string): TempDir {
  const path = mkdtempSync(join(tmpdir(), `omnikv-${prefix}-`));
  return {
    path,
    cleanup: () => rmSync(path, { recursive: true, force: true }),
  };
}
