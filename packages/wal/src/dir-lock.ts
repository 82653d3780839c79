/**
 * One process at a time owns a log directory. Two writers appending to the same segment would
 * interleave frames and destroy each other's records, so `Wal.open` takes this lock first. It is
 * exported for other stores built on the wal (the lsm locks its whole directory with it).
 *
 * The lock is a `LOCK` file holding the owner's pid, created exclusively. A lock left behind by a
 * process that no longer runs (a crash, a SIGKILL) is taken over. This is advisory and assumes a
 * local file system; a pid reused by an unrelated process after a crash makes the lock look held,
 * and the error names the pid so an operator can check.
 */
import { readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { WalStateError } from "./errors.ts";

export class DirLock {
  readonly path: string;

  private constructor(path: string) {
    this.path = path;
  }

  /** Takes the lock of `dir` or throws `WalStateError` (55000) naming the process that holds it. */
  static acquire(dir: string): DirLock {
    const path = join(dir, "LOCK");
    const owner = `${process.pid}\n`;
    try {
      writeFileSync(path, owner, { flag: "wx" });
      return new DirLock(path);
    } catch (error) {
      if (!isErrorCode(error, "EEXIST")) throw error;
    }
    const holder = Number.parseInt(readFileSync(path, "utf8"), 10);
    if (Number.isSafeInteger(holder) && isProcessAlive(holder)) {
      const who = holder === process.pid ? "this process" : `process ${holder}`;
      throw new WalStateError(`directory "${dir}" is locked by ${who}`);
    }
    writeFileSync(path, owner);
    return new DirLock(path);
  }

  release(): void {
    try {
      unlinkSync(this.path);
    } catch (error) {
      if (!isErrorCode(error, "ENOENT")) throw error;
    }
  }
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user — still alive.
    return isErrorCode(error, "EPERM");
  }
}

function isErrorCode(error: unknown, code: string): boolean {
  return error instanceof Error && "code" in error && error.code === code;
}
