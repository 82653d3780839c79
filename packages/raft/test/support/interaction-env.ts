/**
 * The environment behind the datadriven interaction tests (after etcd raft's `rafttest`): a set of
 * `RaftNode`s whose messages wait in per-recipient queues until a command delivers them, so a
 * script decides every interleaving. Commands:
 *
 *   add-nodes <n> [voters=N] [pre-vote=false] [check-quorum=false] [entries-per-msg=N] [election=N]
 *   init-node <id> term=T [vote=V] [joining]   input lines "index/term [text]" give its durable log;
 *                       a joining node starts with no membership and learns it from the leader
 *   campaign <id>       tick <id> [n=N]      tick-election <id>      tick-heartbeat <id>
 *   propose <id> <text> read-index <id> <request>     transfer-leader <from> <to>
 *   propose-conf <id> voters=a,b,… [learners=c,…]
 *   process-ready <id>  deliver-msgs <id> [drop]      stabilize
 *   cut <a> <b> (both directions)    isolate <id>    heal
 *   status              raft-log <id>     compact <id> <index>
 *
 * Randomized election timeouts are pinned to their minimum (`electionTicks`), so `tick-election`
 * always starts a campaign on a follower.
 */
import { assert, assertNever, term as makeTerm } from "@omnikv/base";
import { RaftNode, describeMembership, snapshotDataFromBytes, type LogEntry, type RaftMessage, type Ready, type RaftConfig } from "@omnikv/raft";
import { readSnapshotSync } from "./snapshot-sync.ts";
import { numberArg, unknownCommand, type DataDrivenCase } from "@omnikv/testkit";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function formatEntry(entry: LogEntry): string {
  const payload = entry.payload;
  const text = payload.kind === "command" ? decoder.decode(payload.command) : payload.kind === "membership" ? `conf(${describeMembership(payload.config)})` : "blank";
  return `${entry.index}/${entry.term} ${text}`;
}

export function formatMessage(m: RaftMessage): string {
  const head = `${m.from}->${m.to}`;
  switch (m.kind) {
    case "vote":
      return `${head} ${m.isPreVote ? "MsgPreVote" : "MsgVote"} term:${m.term} log:${m.lastLogIndex}/${m.lastLogTerm}${m.isLeaderTransfer ? " transfer" : ""}`;
    case "voteResponse":
      return `${head} ${m.isPreVote ? "MsgPreVoteResp" : "MsgVoteResp"} term:${m.term} ${m.isGranted ? "granted" : "rejected"}`;
    case "append":
      return `${head} MsgApp term:${m.term} prev:${m.prevIndex}/${m.prevTerm} commit:${m.commitIndex} [${m.entries.map(formatEntry).join(", ")}]`;
    case "appendResponse":
      return m.isSuccess
        ? `${head} MsgAppResp term:${m.term} match:${m.matchIndex}`
        : `${head} MsgAppResp term:${m.term} reject:${m.rejectedIndex} hint:${m.hintIndex}/${m.hintTerm}`;
    case "heartbeat":
      return `${head} MsgHeartbeat term:${m.term} commit:${m.commitIndex} read:${m.readSeq}`;
    case "heartbeatResponse":
      return `${head} MsgHeartbeatResp term:${m.term} read:${m.readSeq}`;
    case "timeoutNow":
      return `${head} MsgTimeoutNow term:${m.term}`;
    case "snapshot":
      return `${head} MsgSnap term:${m.term} snapshot:${m.snapshot.index}/${m.snapshot.term}`;
    default:
      return assertNever(m);
  }
}

function boolArg(testCase: DataDrivenCase, key: string, fallback: boolean): boolean {
  const arg = testCase.args.find((a) => a.key === key);
  if (arg === undefined) return fallback;
  return arg.values[0] !== "false";
}

export class InteractionEnv {
  readonly #nodes = new Map<number, RaftNode>();
  readonly #inbox = new Map<number, RaftMessage[]>();
  readonly #cut = new Set<string>();
  #config: Partial<RaftConfig> = {};
  #voters: number[] = [];
  /** Every node, voters first; the others start as joining nodes. */
  #ids: number[] = [];

  handle(testCase: DataDrivenCase): string {
    switch (testCase.command) {
      case "add-nodes":
        return this.#addNodes(testCase);
      case "init-node":
        return this.#initNode(testCase);
      case "campaign":
        this.#node(testCase).campaign();
        return this.#processReady(this.#id(testCase));
      case "tick":
        return this.#tick(testCase, numberArg(testCase, "n", 1));
      case "tick-election":
        return this.#tick(testCase, this.#config.electionTicks ?? 10);
      case "tick-heartbeat":
        return this.#tick(testCase, this.#config.heartbeatTicks ?? 1);
      case "propose": {
        const proposal = this.#node(testCase).propose(encoder.encode(this.#positional(testCase, 1)));
        return proposal === undefined ? "refused" : `proposed ${proposal.index}/${proposal.term}`;
      }
      case "propose-conf": {
        const ids = (key: string): number[] => testCase.args.find((a) => a.key === key)?.values.map(Number) ?? [];
        const proposal = this.#node(testCase).changeMembership({ voters: ids("voters"), learners: ids("learners") });
        return proposal === undefined ? "refused" : `proposed ${proposal.index}/${proposal.term}`;
      }
      case "read-index":
        return this.#node(testCase).readIndex(Number(this.#positional(testCase, 1))) ? "accepted" : "refused";
      case "transfer-leader":
        return this.#node(testCase).transferLeadership(Number(this.#positional(testCase, 1))) ? "accepted" : "refused";
      case "process-ready":
        return this.#processReady(this.#id(testCase)) || "(no ready)";
      case "deliver-msgs":
        return this.#deliver(this.#id(testCase), testCase.args.some((a) => a.key === "drop"));
      case "stabilize":
        return this.#stabilize();
      default:
        return this.#handleNetwork(testCase);
    }
  }

  #handleNetwork(testCase: DataDrivenCase): string {
    switch (testCase.command) {
      case "cut": {
        const a = this.#id(testCase);
        const b = Number(this.#positional(testCase, 1));
        this.#cut.add(`${a}>${b}`).add(`${b}>${a}`);
        return "ok";
      }
      case "isolate": {
        const id = this.#id(testCase);
        for (const other of this.#ids) if (other !== id) this.#cut.add(`${id}>${other}`).add(`${other}>${id}`);
        return "ok";
      }
      case "heal":
        this.#cut.clear();
        return "ok";
      case "compact": {
        const node = this.#node(testCase);
        node.compact(Number(this.#positional(testCase, 1)));
        return `snapshot ${node.snapshot.index}/${node.snapshot.term}`;
      }
      case "status":
        return [...this.#nodes.values()].map((n) => this.#status(n)).join("\n");
      case "raft-log": {
        const node = this.#node(testCase);
        const lines: string[] = [];
        if (node.snapshot.index > 0) lines.push(`snapshot ${node.snapshot.index}/${node.snapshot.term}`);
        for (let index = node.snapshot.index + 1; index <= node.lastIndex; index++) {
          const entry = node.entryAt(index);
          if (entry !== undefined) lines.push(formatEntry(entry));
        }
        return lines.join("\n") || "(empty)";
      }
      default:
        return unknownCommand(testCase);
    }
  }

  #addNodes(testCase: DataDrivenCase): string {
    const count = Number(this.#positional(testCase, 0));
    this.#ids = Array.from({ length: count }, (_, i) => i + 1);
    this.#voters = this.#ids.slice(0, numberArg(testCase, "voters", count));
    this.#config = {
      isPreVoteEnabled: boolArg(testCase, "pre-vote", false),
      isCheckQuorumEnabled: boolArg(testCase, "check-quorum", false),
      entriesPerMessageMax: numberArg(testCase, "entries-per-msg", 64),
      electionTicks: numberArg(testCase, "election", 10),
      heartbeatTicks: 1,
    };
    for (const id of this.#ids) this.#create(id, { term: 0, vote: 0 }, [], !this.#voters.includes(id));
    return `${count} nodes, pre-vote=${this.#config.isPreVoteEnabled} check-quorum=${this.#config.isCheckQuorumEnabled}`;
  }

  #initNode(testCase: DataDrivenCase): string {
    const id = this.#id(testCase);
    const entries = testCase.input
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line): LogEntry => {
        const [position = "", text] = line.trim().split(/\s+/, 2);
        const [index = 0, termValue = 0] = position.split("/").map(Number);
        const payload = text === undefined || text === "blank" ? ({ kind: "blank" } as const) : ({ kind: "command", command: encoder.encode(text) } as const);
        return { index, term: makeTerm(termValue), payload };
      });
    this.#create(id, { term: numberArg(testCase, "term"), vote: numberArg(testCase, "vote", 0) }, entries, testCase.args.some((a) => a.key === "joining"));
    return this.#status(this.#node(testCase));
  }

  #create(id: number, hard: { readonly term: number; readonly vote: number }, entries: readonly LogEntry[], isJoining = false): void {
    const node = new RaftNode({
      id,
      voters: isJoining ? [] : this.#voters,
      random: { int: (min) => min },
      config: this.#config,
      hardState: { term: makeTerm(hard.term), votedFor: hard.vote, commitIndex: 0 },
      entries,
    });
    this.#nodes.set(id, node);
    this.#inbox.set(id, []);
  }

  #tick(testCase: DataDrivenCase, count: number): string {
    const node = this.#node(testCase);
    for (let i = 0; i < count; i++) node.tick();
    return this.#processReady(node.id) || "ok";
  }

  #deliver(id: number, isDrop: boolean): string {
    const node = this.#nodeById(id);
    const messages = this.#inbox.get(id) ?? [];
    this.#inbox.set(id, []);
    const lines: string[] = [];
    for (const message of messages) {
      if (isDrop || this.#cut.has(`${message.from}>${message.to}`)) {
        lines.push(`dropped: ${formatMessage(message)}`);
        continue;
      }
      lines.push(formatMessage(message));
      node.step(message);
    }
    return lines.join("\n") || "(no messages)";
  }

  /** Takes and prints one node's Ready, queueing its messages for their recipients. */
  #processReady(id: number): string {
    const node = this.#nodeById(id);
    if (!node.hasReady()) return "";
    const ready = node.takeReady();
    for (const message of ready.messages) {
      // The runtime's part: attach the state machine snapshot to snapshot messages.
      const delivered = message.kind === "snapshot" ? { ...message, data: snapshotDataFromBytes(encoder.encode(`state@${message.snapshot.index}`)) } : message;
      this.#inbox.get(message.to)?.push(delivered);
    }
    return formatReady(node, ready);
  }

  #stabilize(): string {
    const out: string[] = [];
    for (let round = 0; round < 100; round++) {
      let isIdle = true;
      for (const id of this.#ids) {
        const text = this.#processReady(id);
        if (text !== "") {
          out.push(text);
          isIdle = false;
        }
      }
      for (const id of this.#ids) {
        if ((this.#inbox.get(id) ?? []).length === 0) continue;
        isIdle = false;
        out.push(`> ${id} receiving messages`, ...this.#deliver(id, false).split("\n").map((l) => `  ${l}`));
      }
      if (isIdle) return out.join("\n") || "(idle)";
    }
    throw new Error("stabilize did not settle in 100 rounds");
  }

  #status(node: RaftNode): string {
    const s = node.status();
    return `${s.id}: ${s.role} term:${s.term} vote:${s.votedFor} leader:${s.leaderId} commit:${s.commitIndex} last:${s.lastIndex}/${s.lastTerm} ${describeMembership(s.config)}`;
  }

  #positional(testCase: DataDrivenCase, position: number): string {
    const arg = testCase.args[position];
    assert(arg !== undefined && arg.values.length === 0, `argument ${position} of ${testCase.command} is positional`);
    return arg.key;
  }

  #id(testCase: DataDrivenCase): number {
    return Number(this.#positional(testCase, 0));
  }

  #node(testCase: DataDrivenCase): RaftNode {
    return this.#nodeById(this.#id(testCase));
  }

  #nodeById(id: number): RaftNode {
    const node = this.#nodes.get(id);
    assert(node !== undefined, `node ${id} exists`);
    return node;
  }
}

function formatReady(node: RaftNode, ready: Ready): string {
  const lines = [`> ${node.id} handling Ready (${node.role} term:${node.term} commit:${node.commitIndex})`];
  if (ready.snapshot !== undefined) {
    lines.push(`  Snapshot: ${ready.snapshot.meta.index}/${ready.snapshot.meta.term} ${decoder.decode(readSnapshotSync(ready.snapshot.data))}`);
  }
  if (ready.hardState !== undefined) {
    lines.push(`  HardState term:${ready.hardState.term} vote:${ready.hardState.votedFor} commit:${ready.hardState.commitIndex}`);
  }
  if (ready.logWrite !== undefined) {
    lines.push(`  Entries from ${ready.logWrite.fromIndex}: ${ready.logWrite.entries.map(formatEntry).join(", ")}`);
  }
  if (ready.committedEntries.length > 0) lines.push(`  Apply: ${ready.committedEntries.map(formatEntry).join(", ")}`);
  for (const read of ready.readStates) lines.push(`  ReadState request:${read.requestId} index:${read.index}`);
  for (const requestId of ready.droppedReads) lines.push(`  DroppedRead request:${requestId}`);
  for (const message of ready.messages) lines.push(`  ${formatMessage(message)}`);
  return lines.join("\n");
}

