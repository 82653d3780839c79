/**
 * Runs a child process to completion and returns its exit code and output; it never throws for a
 * non-zero exit, so a test can show the output of the step that failed.
 *
 * The child's environment drops the `npm_*` variables an enclosing `npm run` sets (workspace,
 * prefix, lifecycle): a nested `npm pack` or `npm install` must act on the directory it is given,
 * not on the workspace that launched the tests. Settings that say where packages come from
 * (cache, registry, proxies, CA) are kept so an offline install still finds the cache.
 */
import { spawn } from "node:child_process";

export interface RunCommandOptions {
  readonly cwd: string;
  /** The child is killed after this long; a hung install cannot hang the suite. */
  readonly timeoutMs: number;
}

export interface CommandResult {
  /** The exit code, or -1 when the child was killed by a signal. */
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

const keptNpmConfig = new Set([
  "npm_config_cache",
  "npm_config_userconfig",
  "npm_config_globalconfig",
  "npm_config_registry",
  "npm_config_proxy",
  "npm_config_https_proxy",
  "npm_config_noproxy",
  "npm_config_cafile",
  "npm_config_strict_ssl",
]);

function childEnvironment(): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    const lowerKey = key.toLowerCase();
    if (lowerKey.startsWith("npm_") && !keptNpmConfig.has(lowerKey)) continue;
    environment[key] = value;
  }
  return environment;
}

export function runCommand(
  file: string,
  args: readonly string[],
  options: RunCommandOptions,
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: childEnvironment(),
      stdio: ["ignore", "pipe", "pipe"],
      timeout: options.timeoutMs,
      killSignal: "SIGKILL",
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      resolve({
        exitCode: code ?? -1,
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8"),
      });
    });
  });
}

/** The command line and its output, for a failure message. */
export function describeCommand(file: string, args: readonly string[], result: CommandResult): string {
  return [`$ ${[file, ...args].join(" ")}`, `exit code ${result.exitCode}`, result.stdout, result.stderr].join("\n");
}
