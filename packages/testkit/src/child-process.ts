/**
 * Crash tests with real processes: spawn a Node child that does real I/O, read the lines it
 * reports (for example each acknowledged LSN), SIGKILL it at an arbitrary moment, and check what
 * survived. The child gets no chance to flush or clean up, exactly as in a crash.
 *
 * Children never outlive the test: each has a deadline after which the parent kills it, and every
 * live child is killed when the parent process exits.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

export interface CrashChildOptions {
  /** Absolute path of the `.js`/`.mjs` script Node runs. */
  readonly script: string;
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** The child is SIGKILLed after this long whatever happens; a hung child cannot hang the suite. */
  readonly deadlineMs?: number;
}

export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Everything the child wrote to stderr, for failure messages. */
  readonly stderr: string;
}

const liveChildren = new Set<ChildProcess>();
let isExitHookInstalled = false;

function installExitHook(): void {
  if (isExitHookInstalled) return;
  isExitHookInstalled = true;
  process.on("exit", () => {
    for (const child of liveChildren) child.kill("SIGKILL");
  });
}

export class CrashChild {
  readonly #process: ChildProcess;
  readonly #lines: string[] = [];
  #lineWaiters: (() => void)[] = [];
  #stderr = "";
  readonly exited: Promise<ChildExit>;

  constructor(options: CrashChildOptions) {
    installExitHook();
    const child = spawn(process.execPath, [options.script, ...(options.args ?? [])], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...options.env },
    });
    this.#process = child;
    liveChildren.add(child);
    const deadline = setTimeout(() => child.kill("SIGKILL"), options.deadlineMs ?? 60_000);
    deadline.unref();
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => {
      this.#stderr += chunk;
    });
    if (child.stdout) {
      createInterface({ input: child.stdout }).on("line", (line) => {
        this.#lines.push(line);
        this.#wake();
      });
    }
    this.exited = new Promise((resolve) => {
      child.on("close", (code, signal) => {
        clearTimeout(deadline);
        liveChildren.delete(child);
        this.#wake();
        resolve({ code, signal, stderr: this.#stderr });
      });
    });
  }

  /** Lines the child has printed so far (each a complete line). */
  get lines(): readonly string[] {
    return this.#lines;
  }

  get isRunning(): boolean {
    return liveChildren.has(this.#process);
  }

  /** Resolves once at least `count` lines arrived, or rejects if the child exits first. */
  async waitForLines(count: number): Promise<void> {
    while (this.#lines.length < count) {
      if (!this.isRunning) {
        const exit = await this.exited;
        if (this.#lines.length >= count) return;
        throw new Error(`child exited (code ${exit.code}, signal ${exit.signal}) after ${this.#lines.length} of ${count} lines\n${exit.stderr}`);
      }
      await new Promise<void>((resolve) => this.#lineWaiters.push(resolve));
    }
  }

  /** SIGKILL: no handlers run, no buffers flush. Resolves when the process is gone. */
  async kill(): Promise<ChildExit> {
    this.#process.kill("SIGKILL");
    return this.exited;
  }

  #wake(): void {
    const waiters = this.#lineWaiters;
    this.#lineWaiters = [];
    for (const wake of waiters) wake();
  }
}
