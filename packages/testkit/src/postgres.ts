/**
 * A private PostgreSQL 15 server for differential tests: PostgreSQL is the oracle our results,
 * types and SQLSTATEs are compared with.
 *
 * `startPostgres()` runs `initdb` into a fresh temporary directory and starts `postgres` as a
 * child of the test process on a free loopback port, with its Unix socket in that directory, so
 * parallel test files and a developer's own server never collide. The server is stopped (fast
 * shutdown) by `stop()`, and killed when the test process exits; nothing outlives the test.
 *
 * The binaries come from Debian's `postgresql-15` package (`.ci/run` installs it); set
 * `OMNIKV_PG_BIN` to use another directory. PostgreSQL refuses to run as root, so under root the
 * server runs (through `setpriv`) as the `postgres` user the package creates.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface PostgresServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
  /** `postgres://postgres@127.0.0.1:<port>/postgres`, for clients that take a URL. */
  readonly url: string;
  /** The server's version string, e.g. `15.18`. */
  readonly version: string;
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** Extra `-c name=value` settings. */
  readonly settings?: Readonly<Record<string, string>>;
  /** How long to wait for the server to accept connections. Default 30 s. */
  readonly startTimeoutMs?: number;
}

const defaultBinDir = "/usr/lib/postgresql/15/bin";
const liveServers = new Set<ChildProcess>();

/** Where the PostgreSQL binaries are, or undefined when this machine has none. */
export function postgresBinDir(): string | undefined {
  const dir = process.env["OMNIKV_PG_BIN"] ?? defaultBinDir;
  return existsSync(join(dir, "postgres")) && existsSync(join(dir, "initdb")) ? dir : undefined;
}

export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const binDir = postgresBinDir();
  if (binDir === undefined) {
    throw new Error(
      `PostgreSQL 15 binaries not found in ${process.env["OMNIKV_PG_BIN"] ?? defaultBinDir}: ` +
        "install Debian's postgresql-15 package (.ci/run does) or set OMNIKV_PG_BIN",
    );
  }
  const dir = mkdtempSync(join(tmpdir(), "omnikv-pg-"));
  const runAs = runAsPrefix(dir);
  const dataDir = join(dir, "data");
  run(runAs, join(binDir, "initdb"), ["-D", dataDir, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"]);
  const port = await freePort();
  const settings: Record<string, string> = {
    listen_addresses: "127.0.0.1",
    unix_socket_directories: dir,
    fsync: "off",
    synchronous_commit: "off",
    full_page_writes: "off",
    shared_buffers: "32MB",
    max_connections: "40",
    ...options.settings,
  };
  const args = ["-D", dataDir, "-p", String(port), ...Object.entries(settings).flatMap(([k, v]) => ["-c", `${k}=${v}`])];
  const [command, ...prefix] = [...runAs, join(binDir, "postgres")];
  const child = spawn(command ?? "", [...prefix, ...args], { stdio: ["ignore", "ignore", "pipe"] });
  trackChild(child);
  let log = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    log = (log + chunk.toString("utf8")).slice(-8192);
  });
  const version = await waitUntilReady(binDir, port, options.startTimeoutMs ?? 30_000, child, () => log);
  return {
    host: "127.0.0.1",
    port,
    user: "postgres",
    database: "postgres",
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    version,
    stop: () => stopServer(child, dir),
  };
}

/**
 * Commands run through `setpriv`, which execs them (no intermediate process) with a parent-death
 * signal: if the test process dies without cleaning up (a crash, an out-of-memory kill), the
 * kernel kills postgres too, so no server outlives its test. Under root they also run as the
 * `postgres` user, which must own the directory.
 */
function runAsPrefix(dir: string): string[] {
  const deathSignal = ["--pdeathsig", "SIGKILL"];
  if (process.getuid?.() !== 0) return ["setpriv", ...deathSignal, "--"];
  const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
  chownSync(dir, uid, gid);
  chmodSync(dir, 0o700);
  return ["setpriv", ...deathSignal, `--reuid=${uid}`, `--regid=${gid}`, "--clear-groups", "--"];
}

function run(prefix: readonly string[], command: string, args: readonly string[]): void {
  const [program, ...rest] = [...prefix, command];
  execFileSync(program ?? "", [...rest, ...args], { stdio: ["ignore", "ignore", "pipe"] });
}

function trackChild(child: ChildProcess): void {
  if (liveServers.size === 0) {
    process.once("exit", () => {
      for (const server of liveServers) server.kill("SIGKILL");
    });
  }
  liveServers.add(child);
  child.once("exit", () => liveServers.delete(child));
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilReady(
  binDir: string,
  port: number,
  timeoutMs: number,
  child: ChildProcess,
  log: () => string,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited with code ${child.exitCode}:\n${log()}`);
    try {
      const psql = join(binDir, "psql");
      return execFileSync(psql, ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-XAtc", "SHOW server_version"], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      }).trim();
    } catch {
      if (Date.now() > deadline) throw new Error(`postgres did not accept connections within ${timeoutMs} ms:\n${log()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

async function stopServer(child: ChildProcess, dir: string): Promise<void> {
  if (child.exitCode === null) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGINT");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }
  rmSync(dir, { recursive: true, force: true });
}
