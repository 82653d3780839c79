// An example replicated key-value server on @omnikv/raft: one process per node, Raft over TCP
// (`TcpNetwork`), a durable log (`WalLogStorage`), the map in memory with snapshots on disk
// (kv-state-machine.mjs), and a small HTTP API on 127.0.0.1. See README.md for a 3-node cluster.
//
//   node kv-server.mjs --id 1 --data ./n1 --raft-port 7001 --http-port 8001 \
//     --peers 1=127.0.0.1:7001:8001,2=127.0.0.1:7002:8002,3=127.0.0.1:7003:8003
//
// HTTP: PUT /kv/<key> (body = value) answers 200 once the write is committed and applied here;
// GET /kv/<key> answers 200 with the value or 404, after a ReadIndex round (linearizable); both
// answer 421 on a non-leader, with `x-leader: host:httpPort` when the leader is known; GET
// /status answers JSON metrics. Prints one line `ready <id> raft=<port> http=<port>` once serving.
import { mkdir } from "node:fs/promises";
import { createServer } from "node:http";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { NotLeaderError, RaftServer, RaftStoppedError, TcpNetwork, WalLogStorage } from "@omnikv/raft";
import { encodePut, KvStateMachine } from "./kv-state-machine.mjs";

/** @typedef {{ host: string, port: number, httpPort: number | undefined }} Peer */

const bodyBytesMax = 1024 * 1024;

/** @param {string} text */
function parsePeers(text) {
  /** @type {Map<number, Peer>} */
  const peers = new Map();
  for (const item of text.split(",")) {
    const match = /^(\d+)=([^:]+):(\d+)(?::(\d+))?$/.exec(item.trim());
    if (match === null) throw new Error(`bad --peers entry "${item}": expected id=host:raftPort[:httpPort]`);
    const [, id, host = "", port, httpPort] = match;
    peers.set(Number(id), { host, port: Number(port), httpPort: httpPort === undefined ? undefined : Number(httpPort) });
  }
  return peers;
}

function parseOptions() {
  const { values } = parseArgs({
    options: {
      id: { type: "string" },
      data: { type: "string" },
      "raft-port": { type: "string" },
      "http-port": { type: "string" },
      peers: { type: "string" },
      "tick-ms": { type: "string", default: "20" },
      "election-ticks": { type: "string", default: "10" },
      "snapshot-interval": { type: "string", default: "10000" },
      "request-timeout-ms": { type: "string", default: "5000" },
      "exit-with-parent": { type: "boolean", default: false },
    },
  });
  const { id, data, peers } = values;
  const raftPort = values["raft-port"];
  const httpPort = values["http-port"];
  if (id === undefined || data === undefined || raftPort === undefined || httpPort === undefined || peers === undefined) {
    throw new Error("usage: kv-server --id N --data DIR --raft-port P --http-port H --peers 1=host:port[:http],2=…");
  }
  return {
    id: Number(id),
    dataDir: data,
    raftPort: Number(raftPort),
    httpPort: Number(httpPort),
    peers: parsePeers(peers),
    tickMs: Number(values["tick-ms"]),
    electionTicks: Number(values["election-ticks"]),
    snapshotIntervalEntries: Number(values["snapshot-interval"]),
    requestTimeoutMs: Number(values["request-timeout-ms"]),
    isExitWithParent: values["exit-with-parent"],
  };
}

/**
 * Opens the log and the state machine. A snapshot installed from the leader is written before the
 * log is reset to it; if the process died in between, the log ends below the snapshot: reset it now.
 * @param {string} dataDir
 */
async function openState(dataDir) {
  await mkdir(dataDir, { recursive: true });
  const storage = await WalLogStorage.open(join(dataDir, "raft-log"));
  const { machine, meta } = await KvStateMachine.open(dataDir);
  const logState = await storage.logState();
  if (meta !== undefined && meta.index > logState.lastIndex) await storage.resetToSnapshot(meta);
  return { storage, machine };
}

/**
 * @param {import("node:http").IncomingMessage} request
 * @returns {Promise<Uint8Array | undefined>} undefined when the body exceeds `bodyBytesMax`
 */
async function readBody(request) {
  /** @type {Buffer[]} */
  const chunks = [];
  let size = 0;
  for await (const chunk of request) {
    if (!(chunk instanceof Buffer)) continue;
    size += chunk.length;
    if (size > bodyBytesMax) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * @param {import("node:http").ServerResponse} response
 * @param {number} status
 * @param {string | Uint8Array} body
 * @param {Record<string, string>} [headers]
 */
function reply(response, status, body, headers = {}) {
  response.writeHead(status, { "content-length": String(Buffer.byteLength(body)), ...headers });
  response.end(body);
}

/** A request that outlived `--request-timeout-ms` (its write may still commit later). */
class RequestTimeoutError extends Error {}

/**
 * Settles like `promise`, or rejects with `RequestTimeoutError` after `ms`: a write pending on a
 * deposed leader may never settle (README, "Not built yet"), and an HTTP client must get an answer.
 * @template T
 * @param {Promise<T>} promise
 * @param {number} ms
 * @returns {Promise<T>}
 */
function withTimeout(promise, ms) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  /** @type {Promise<never>} */
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new RequestTimeoutError(`no answer within ${ms} ms; a write may still commit`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * @param {{ id: number, peers: Map<number, Peer>, server: RaftServer<undefined>, machine: KvStateMachine, network: TcpNetwork, requestTimeoutMs: number }} node
 */
function makeHandler({ id, peers, server, machine, network, requestTimeoutMs }) {
  /**
   * Turns a refusal into the HTTP answer: 421 with the leader's HTTP address when another node
   * leads, 503 when nobody is known to lead or this leader is busy (both retryable).
   * @param {import("node:http").ServerResponse} response
   * @param {unknown} error
   */
  const refuse = (response, error) => {
    if (error instanceof NotLeaderError) {
      const leader = peers.get(error.leaderId);
      if (error.leaderId !== id && leader !== undefined) {
        const headers = leader.httpPort === undefined ? {} : { "x-leader": `${leader.host}:${leader.httpPort}` };
        return reply(response, 421, `not the leader; node ${error.leaderId} leads\n`, headers);
      }
      return reply(response, error.leaderId === id ? 503 : 421, `${error.message}\n`, { "retry-after": "1" });
    }
    if (error instanceof RaftStoppedError) return reply(response, 503, "stopping\n");
    if (error instanceof RequestTimeoutError) return reply(response, 504, `${error.message}\n`);
    return reply(response, 500, `${error instanceof Error ? error.message : String(error)}\n`);
  };

  /**
   * @param {import("node:http").IncomingMessage} request
   * @param {import("node:http").ServerResponse} response
   */
  return async (request, response) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    if (url.pathname === "/status" && request.method === "GET") {
      const m = server.metrics();
      const status = { id, role: m.role, term: Number(m.term), leader: m.leaderId, commitIndex: m.commitIndex, appliedIndex: m.appliedIndex, lastIndex: m.lastIndex, snapshotsInstalled: machine.snapshotsInstalled, network: network.metrics() };
      return reply(response, 200, `${JSON.stringify(status)}\n`, { "content-type": "application/json" });
    }
    if (!url.pathname.startsWith("/kv/") || url.pathname.length === 4) return reply(response, 404, "not found\n");
    const key = decodeURIComponent(url.pathname.slice(4));
    try {
      if (request.method === "PUT") {
        const body = await readBody(request);
        if (body === undefined) return reply(response, 413, `value larger than ${bodyBytesMax} bytes\n`);
        await withTimeout(server.clientWrite(encodePut(key, body)), requestTimeoutMs);
        return reply(response, 200, "");
      }
      if (request.method === "GET") {
        await withTimeout(server.ensureLinearizable(), requestTimeoutMs);
        const value = machine.data.get(key);
        return value === undefined ? reply(response, 404, "") : reply(response, 200, value, { "content-type": "application/octet-stream" });
      }
      return reply(response, 405, "method not allowed\n");
    } catch (error) {
      return refuse(response, error);
    }
  };
}

async function main() {
  const options = parseOptions();
  const { storage, machine } = await openState(options.dataDir);
  const network = await TcpNetwork.listen({
    id: options.id,
    listen: { host: "127.0.0.1", port: options.raftPort },
    peers: new Map([...options.peers].map(([id, peer]) => [id, { host: peer.host, port: peer.port }])),
  });
  const server = await RaftServer.start({
    id: options.id,
    voters: [...options.peers.keys()],
    storage,
    stateMachine: machine,
    network,
    tickMs: options.tickMs,
    config: { electionTicks: options.electionTicks },
    snapshotIntervalEntries: options.snapshotIntervalEntries,
  });
  const handler = makeHandler({ id: options.id, peers: options.peers, server, machine, network, requestTimeoutMs: options.requestTimeoutMs });
  const http = createServer((request, response) => void handler(request, response));
  await new Promise((resolve) => http.listen(options.httpPort, "127.0.0.1", () => resolve(undefined)));
  const stop = async () => {
    http.close();
    http.closeAllConnections();
    await server.stop();
    network.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop());
  process.on("SIGINT", () => void stop());
  // A test harness that dies without killing its children must not leave servers behind.
  if (options.isExitWithParent) {
    const parent = process.ppid;
    setInterval(() => process.ppid !== parent && process.exit(1), 500).unref();
  }
  process.stdout.write(`ready ${options.id} raft=${network.port} http=${options.httpPort}\n`);
}

await main();
