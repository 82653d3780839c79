/**
 * The runtime over real timers: a 3-node cluster of `RaftServer`s on a `MemoryNetwork` with
 * `MemoryLogStorage`: writes commit and return the state machine's result, followers refuse and
 * name the leader, reads are linearizable, an isolated leader is replaced, leadership transfers,
 * and a restarted node recovers its log from storage.
 */
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryLogStorage, MemoryNetwork, NotLeaderError, RaftServer, WalLogStorage, type RaftRole } from "@omnikv/raft";
import { makeTempDir } from "@omnikv/testkit";
import { KvStateMachine } from "./support/kv-state-machine.ts";

const encoder = new TextEncoder();
const voters = [1, 2, 3];
const config = { electionTicks: 10, heartbeatTicks: 2 };

interface Cluster {
  readonly network: MemoryNetwork;
  readonly servers: RaftServer<string>[];
  readonly storages: MemoryLogStorage[];
  readonly machines: KvStateMachine[];
}

let running: Cluster | undefined;

afterEach(async () => {
  for (const server of running?.servers ?? []) await server.stop();
  running = undefined;
});

async function startCluster(): Promise<Cluster> {
  const network = new MemoryNetwork();
  const storages = voters.map(() => new MemoryLogStorage());
  const machines = voters.map(() => new KvStateMachine());
  const servers = await Promise.all(
    voters.map((id, i) =>
      RaftServer.start({ id, voters, storage: storages[i] ?? new MemoryLogStorage(), stateMachine: machines[i] ?? new KvStateMachine(), network: network.endpoint(id), config, tickMs: 5 }),
    ),
  );
  running = { network, servers, storages, machines };
  return running;
}

async function waitFor<T>(probe: () => T | undefined, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * `action` on the current leader, again on the next one when leadership moved before it ran
 * (NotLeaderError), as a Raft client retries; a few attempts at most.
 */
async function onLeader<T>(servers: readonly RaftServer<string>[], action: (leader: RaftServer<string>) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const leader = await waitFor(() => leaderOf(servers), "a leader");
    try {
      return await action(leader);
    } catch (error) {
      if (!(error instanceof NotLeaderError) || attempt >= 5) throw error;
    }
  }
}

function leaderOf(servers: readonly RaftServer<string>[], exclude?: RaftServer<string>): RaftServer<string> | undefined {
  const leaders = servers.filter((s) => s !== exclude && s.metrics().role === ("leader" satisfies RaftRole));
  return leaders.sort((a, b) => Number(b.metrics().term - a.metrics().term))[0];
}

describe("RaftServer", () => {
  it("elects a leader, commits writes and returns their results", async () => {
    const { servers, machines } = await startCluster();
    const leader = await waitFor(() => leaderOf(servers), "a leader");
    expect(await leader.clientWrite(encoder.encode("a=1"))).toBe("");
    expect(await leader.clientWrite(encoder.encode("a=2"))).toBe("1");
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => leader.clientWrite(encoder.encode(`k${i}=${i}`))));
    expect(results.every((r) => r === "")).toBe(true);
    await waitFor(() => (machines.every((m) => m.data.get("k199") === "199") ? true : undefined), "followers to apply");
    const metrics = leader.metrics();
    expect(metrics.commitIndex).toBe(metrics.lastIndex);
    expect(metrics.replicationLag.every((f) => f.lagEntries === 0)).toBe(true);
  });

  it("refuses writes on a follower and names the leader", async () => {
    const { servers } = await startCluster();
    const leader = await waitFor(() => leaderOf(servers), "a leader");
    await leader.clientWrite(encoder.encode("x=1"));
    const follower = servers.find((s) => s !== leader);
    const error: unknown = await follower?.clientWrite(encoder.encode("x=2")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotLeaderError);
    if (error instanceof NotLeaderError) expect(error.leaderId).toBe(leader.id);
    await expect(follower?.ensureLinearizable()).rejects.toBeInstanceOf(NotLeaderError);
  });

  it("serves linearizable reads on the leader after the latest write", async () => {
    const { servers, machines } = await startCluster();
    const leader = await waitFor(() => leaderOf(servers), "a leader");
    await leader.clientWrite(encoder.encode("r=fresh"));
    const index = await leader.ensureLinearizable();
    expect(index).toBeGreaterThanOrEqual(2);
    expect(machines[servers.indexOf(leader)]?.data.get("r")).toBe("fresh");
  });

  it("replaces an isolated leader, which then steps down (check-quorum)", async () => {
    const { servers, network } = await startCluster();
    const old = await waitFor(() => leaderOf(servers), "a leader");
    await old.clientWrite(encoder.encode("before=1"));
    network.isolate(old.id, voters);
    const pending = old.clientWrite(encoder.encode("lost=1")).catch((e: unknown) => e);
    const next = await waitFor(() => leaderOf(servers, old), "a new leader");
    expect(next.metrics().term).toBeGreaterThan(old.metrics().term);
    expect(await next.clientWrite(encoder.encode("after=1"))).toBe("");
    // Stepped down: a follower, and after an election timeout of its own a pre-candidate whose
    // pre-votes go unanswered (so its term stays behind). Waiting for "follower" alone raced with that.
    const role = await waitFor(() => (old.metrics().role === "leader" ? undefined : old.metrics().role), "the old leader to step down");
    expect(["follower", "preCandidate"]).toContain(role);
    expect(old.metrics().term).toBeLessThan(next.metrics().term);
    // Still cut off from the new leader: the write is settled by the step-down alone.
    expect(await pending).toBeInstanceOf(NotLeaderError);
    network.heal();
  });

  it("transfers leadership with TimeoutNow", async () => {
    const { servers } = await startCluster();
    const leader = await waitFor(() => leaderOf(servers), "a leader");
    await leader.clientWrite(encoder.encode("t=1"));
    const target = servers.find((s) => s !== leader);
    expect(target).toBeDefined();
    expect(leader.transferLeadership(target?.id ?? 0)).toBe(true);
    await waitFor(() => (target?.metrics().role === "leader" ? true : undefined), "the target to lead");
    expect(await target?.clientWrite(encoder.encode("t=2"))).toBe("1");
  });

  it("recovers the log from storage after a restart", async () => {
    const cluster = await startCluster();
    const leader = await waitFor(() => leaderOf(cluster.servers), "a leader");
    for (let i = 0; i < 20; i++) await leader.clientWrite(encoder.encode(`p${i}=${i}`));
    const i = cluster.servers.indexOf(leader);
    const lastIndex = leader.metrics().lastIndex;
    await leader.stop();
    const storage = cluster.storages[i]?.reopen() ?? new MemoryLogStorage();
    const machine = new KvStateMachine();
    const restarted = await RaftServer.start({ id: leader.id, voters, storage, stateMachine: machine, network: cluster.network.endpoint(leader.id), config, tickMs: 5 });
    cluster.servers[i] = restarted;
    expect(restarted.metrics().lastIndex).toBeGreaterThanOrEqual(lastIndex);
    await waitFor(() => (machine.data.get("p19") === "19" ? true : undefined), "the restarted node to re-apply its log");
  });

  it("keeps acknowledged writes across a full-cluster restart on WalLogStorage", async () => {
    const dir = makeTempDir("raft-server-wal");
    try {
      const network = new MemoryNetwork();
      const start = async (id: number, machine: KvStateMachine): Promise<RaftServer<string>> =>
        RaftServer.start({ id, voters, storage: await WalLogStorage.open(join(dir.path, `n${id}`)), stateMachine: machine, network: network.endpoint(id), config, tickMs: 5 });
      let servers = await Promise.all(voters.map((id) => start(id, new KvStateMachine())));
      const leader = await waitFor(() => leaderOf(servers), "a leader");
      await Promise.all(Array.from({ length: 50 }, (_, i) => leader.clientWrite(encoder.encode(`d${i}=${i}`))));
      const term = leader.metrics().term;
      for (const server of servers) await server.stop();
      const machines = voters.map(() => new KvStateMachine());
      servers = await Promise.all(voters.map((id, i) => start(id, machines[i] ?? new KvStateMachine())));
      running = { network, servers, storages: [], machines };
      const next = await waitFor(() => leaderOf(servers), "a leader after the restart");
      expect(next.metrics().term).toBeGreaterThan(term);
      await next.clientWrite(encoder.encode("after=1"));
      const machine = machines[servers.indexOf(next)];
      expect(machine?.data.get("d49")).toBe("49");
      expect(machine?.data.size).toBe(51);
    } finally {
      for (const server of running?.servers ?? []) await server.stop();
      running = undefined;
      dir.cleanup();
    }
  });

  it("compacts the log and catches a lagging follower up with a snapshot", async () => {
    const network = new MemoryNetwork();
    const machines = voters.map(() => new KvStateMachine());
    const storages = voters.map(() => new MemoryLogStorage());
    const servers = await Promise.all(
      voters.map((id, i) =>
        RaftServer.start({ id, voters, storage: storages[i] ?? new MemoryLogStorage(), stateMachine: machines[i] ?? new KvStateMachine(), network: network.endpoint(id), config, tickMs: 5, snapshotIntervalEntries: 20 }),
      ),
    );
    running = { network, servers, storages, machines };
    const leader = await waitFor(() => leaderOf(servers), "a leader");
    const lagging = servers.find((s) => s !== leader);
    if (lagging === undefined) throw new Error("a cluster of three has a follower");
    network.isolate(lagging.id, voters);
    for (let i = 0; i < 100; i++) await leader.clientWrite(encoder.encode(`s${i}=${i}`));
    const leaderStorage = storages[servers.indexOf(leader)];
    expect((await leaderStorage?.logState())?.purgedIndex).toBeGreaterThanOrEqual(80);
    network.heal();
    const machine = machines[servers.indexOf(lagging)];
    await waitFor(() => (machine?.data.get("s99") === "99" ? true : undefined), "the lagging follower to catch up");
    expect(machine?.snapshotsInstalled).toBeGreaterThanOrEqual(1);
    expect(machine?.data.size).toBe(100);
  });

  it("adds a joining node as a voter and removes the leader (it hands over)", async () => {
    const cluster = await startCluster();
    const leader = await waitFor(() => leaderOf(cluster.servers), "a leader");
    await leader.clientWrite(encoder.encode("m=1"));
    const machine = new KvStateMachine();
    const joining = await RaftServer.start({ id: 4, voters: [], storage: new MemoryLogStorage(), stateMachine: machine, network: cluster.network.endpoint(4), config, tickMs: 5 });
    cluster.servers.push(joining);
    await onLeader(cluster.servers, (current) => current.changeMembership({ voters: [1, 2, 3, 4], learners: [] }));
    await waitFor(() => (joining.metrics().membership.voters.length === 4 && machine.data.get("m") === "1" ? true : undefined), "the new voter to catch up");
    // Whoever leads now (an election may have moved it on a loaded machine) removes itself.
    const removed = await onLeader(cluster.servers, async (current) => {
      await current.changeMembership({ voters: [1, 2, 3, 4].filter((id) => id !== current.id), learners: [] });
      return current;
    });
    const remaining = [1, 2, 3, 4].filter((id) => id !== removed.id);
    const next = await waitFor(() => leaderOf(cluster.servers.filter((s) => s !== removed)), "a leader among the remaining voters");
    expect(remaining).toContain(next.id);
    await waitFor(() => (next.metrics().membership.outgoingVoters.length === 0 ? true : undefined), "the joint configuration to be left");
    expect(await next.clientWrite(encoder.encode("m=2"))).toBe("1");
    expect(next.metrics().membership.voters).toEqual(remaining);
  });

  it("keeps a healthy leader while every disk stalls for longer than an election timeout", async () => {
    // Each mutation takes 4 election timeouts (tickMs 5 × electionTicks 10 = 50 ms) to become durable.
    const network = new MemoryNetwork();
    const storages = voters.map(() => new StallingLogStorage());
    const servers = await Promise.all(
      voters.map((id, i) => RaftServer.start({ id, voters, storage: storages[i] ?? new StallingLogStorage(), stateMachine: new KvStateMachine(), network: network.endpoint(id), config, tickMs: 5 })),
    );
    running = { network, servers, storages: [], machines: [] };
    const leader = await waitFor(() => leaderOf(servers), "a leader");
    await leader.clientWrite(encoder.encode("d=0"));
    const term = leader.metrics().term;
    for (const storage of storages) storage.stallMs = 200;
    for (let i = 1; i <= 3; i++) {
      // Without the early heartbeats the cluster churns through elections and this never resolves.
      const timeout = new Promise<string>((resolve) => setTimeout(() => resolve(`timed out; terms ${servers.map((s) => s.metrics().term).join(",")}`), 5000));
      expect(await Promise.race([leader.clientWrite(encoder.encode(`d=${i}`)), timeout])).toBe(String(i - 1));
    }
    // Heartbeats and their answers left before each stalled sync, so nobody campaigned.
    expect(servers.map((s) => s.metrics().term)).toEqual(servers.map(() => term));
    expect(leader.metrics().role).toBe("leader");
  });
});

/** A `MemoryLogStorage` whose mutations become durable only after `stallMs` (a slow disk). */
class StallingLogStorage extends MemoryLogStorage {
  stallMs = 0;

  override async saveHardState(...args: Parameters<MemoryLogStorage["saveHardState"]>): Promise<void> {
    const done = super.saveHardState(...args);
    await this.#stall();
    return done;
  }

  override async append(...args: Parameters<MemoryLogStorage["append"]>): Promise<void> {
    const done = super.append(...args);
    await this.#stall();
    return done;
  }

  override async truncateAfter(...args: Parameters<MemoryLogStorage["truncateAfter"]>): Promise<void> {
    const done = super.truncateAfter(...args);
    await this.#stall();
    return done;
  }

  async #stall(): Promise<void> {
    if (this.stallMs > 0) await new Promise((resolve) => setTimeout(resolve, this.stallMs));
  }
}
