/**
 * The real server as a child process on a free loopback port: `node dist/cli.js start`, its port
 * read from the "listening" log line. Stopped with SIGTERM (or SIGKILL for crash tests).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";

export const cliPath = join(import.meta.dirname, "..", "dist", "cli.js");
export const password = "test-password";

export interface ServerProcess {
  readonly port: number;
  /** The HTTP API's port, when started with --http-port. */
  readonly httpPort: number | undefined;
  readonly child: ChildProcess;
  /** Every log line so far. */
  readonly logs: string[];
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startServerProcess(dataDir: string, extraArgs: readonly string[] = [], env: Readonly<Record<string, string>> = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [cliPath, "start", "--data", dataDir, "--port", "0", ...extraArgs], {
    env: { ...process.env, OMNIKV_PASSWORD: password, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    let buffered = "";
    const timer = setTimeout(() => reject(new Error(`the server did not start: ${logs.join("")}`)), 30_000);
    child.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString("utf8");
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        logs.push(line);
        const match = /"msg":"listening".*"port":(\d+)/.exec(line);
        if (match !== null) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      }
    });
    child.stderr.on("data", (chunk: Buffer) => logs.push(chunk.toString("utf8")));
    child.once("exit", () => {
      clearTimeout(timer);
      reject(new Error(`the server exited: ${logs.join("\n")}`));
    });
  });
  const httpLine = logs.find((line) => line.includes('"msg":"http api listening"'));
  const httpPort = httpLine === undefined ? undefined : Number(/"port":(\d+)/.exec(httpLine)?.[1]);
  return {
    port,
    httpPort,
    child,
    logs,
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
