/**
 * A linearizability checker for key-value histories, after Porcupine (Wing & Gong's search with
 * Lowe's memoization), written for this package.
 *
 * A history is a set of client operations with invoke and response times on a virtual clock. An
 * operation whose outcome is unknown (the client gave up, the node crashed) has response time
 * `Infinity`: it may take effect at any point after its invocation, or never (placed last, it is
 * invisible). Keys are independent registers, and linearizability is compositional, so each key is
 * checked alone: a much smaller search.
 *
 * The search walks a list of call/return events in time order. At a call it tries to linearize
 * that operation now (if the register model accepts it, and the pair (set of linearized
 * operations, register value) was not already explored); at a return whose operation is not yet
 * linearized it backtracks. The history is linearizable when every operation was placed.
 */
import { assert } from "@omnikv/base";

export type KvOperation =
  | { readonly kind: "put"; readonly key: string; readonly value: string; readonly invokeMs: number; readonly responseMs: number }
  | {
      readonly kind: "get";
      readonly key: string;
      /** What the read returned; undefined when the key was absent. */
      readonly result: string | undefined;
      readonly invokeMs: number;
      readonly responseMs: number;
    };

export type LinearizabilityResult =
  | { readonly outcome: "ok" }
  | { readonly outcome: "violation"; readonly key: string; readonly operations: readonly KvOperation[] }
  | { readonly outcome: "unknown"; readonly key: string };

/** Search steps per key before the checker gives up with "unknown". */
export const searchStepsMax = 2_000_000;
/** Operations per key the bitset key strings are sized for. */
export const operationsPerKeyMax = 4096;

export function checkLinearizable(history: readonly KvOperation[]): LinearizabilityResult {
  const byKey = new Map<string, KvOperation[]>();
  for (const op of history) {
    assert(op.responseMs >= op.invokeMs, "an operation responds after its invocation");
    const list = byKey.get(op.key) ?? [];
    list.push(op);
    byKey.set(op.key, list);
  }
  for (const [key, ops] of [...byKey].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const outcome = checkRegister(ops);
    if (outcome === "violation") return { outcome, key, operations: ops };
    if (outcome === "unknown") return { outcome, key };
  }
  return { outcome: "ok" };
}

interface EventNode {
  readonly opIndex: number;
  readonly isCall: boolean;
  readonly time: number;
  prev: EventNode | undefined;
  next: EventNode | undefined;
  /** For a call: its return event. */
  match: EventNode | undefined;
}

function buildEvents(ops: readonly KvOperation[]): EventNode | undefined {
  const events: EventNode[] = [];
  ops.forEach((op, opIndex) => {
    const call: EventNode = { opIndex, isCall: true, time: op.invokeMs, prev: undefined, next: undefined, match: undefined };
    const ret: EventNode = { opIndex, isCall: false, time: op.responseMs, prev: undefined, next: undefined, match: undefined };
    call.match = ret;
    events.push(call, ret);
  });
  // Calls sort before returns at the same instant: operations that touch in time are concurrent.
  events.sort((a, b) => a.time - b.time || Number(b.isCall) - Number(a.isCall) || a.opIndex - b.opIndex);
  const head: EventNode = { opIndex: -1, isCall: false, time: -Infinity, prev: undefined, next: undefined, match: undefined };
  let last = head;
  for (const event of events) {
    last.next = event;
    event.prev = last;
    last = event;
  }
  return head;
}

/** Removes a call and its return from the list. */
function lift(call: EventNode): void {
  const ret = call.match;
  assert(ret !== undefined && call.prev !== undefined, "a listed call has a return and a predecessor");
  call.prev.next = call.next;
  if (call.next !== undefined) call.next.prev = call.prev;
  assert(ret.prev !== undefined, "a listed return has a predecessor");
  ret.prev.next = ret.next;
  if (ret.next !== undefined) ret.next.prev = ret.prev;
}

/** Puts a lifted call and its return back (in reverse order of `lift`). */
function unlift(call: EventNode): void {
  const ret = call.match;
  assert(ret !== undefined && ret.prev !== undefined && call.prev !== undefined, "a lifted call kept its neighbours");
  ret.prev.next = ret;
  if (ret.next !== undefined) ret.next.prev = ret;
  call.prev.next = call;
  if (call.next !== undefined) call.next.prev = call;
}

function applyOp(state: string | undefined, op: KvOperation): { readonly isLegal: boolean; readonly state: string | undefined } {
  if (op.kind === "put") return { isLegal: true, state: op.value };
  return { isLegal: op.result === state, state };
}

function checkRegister(ops: readonly KvOperation[]): "ok" | "violation" | "unknown" {
  assert(ops.length <= operationsPerKeyMax, "operations per key stay within the checker's limit");
  const head = buildEvents(ops);
  assert(head !== undefined, "the list has a head sentinel");
  const linearized = new Uint8Array(ops.length);
  const seen = new Set<string>();
  const stack: { readonly call: EventNode; readonly state: string | undefined }[] = [];
  let state: string | undefined = undefined;
  let cursor = head.next;
  for (let steps = 0; head.next !== undefined; steps++) {
    if (steps >= searchStepsMax) return "unknown";
    assert(cursor !== undefined, "the cursor stays on the list while operations remain");
    const op = ops[cursor.opIndex];
    assert(op !== undefined, "events refer to operations");
    if (cursor.isCall) {
      const result = applyOp(state, op);
      if (result.isLegal) {
        linearized[cursor.opIndex] = 1;
        const memo = `${linearized.join("")}|${result.state ?? "\u0000"}`;
        if (!seen.has(memo)) {
          seen.add(memo);
          stack.push({ call: cursor, state });
          state = result.state;
          lift(cursor);
          cursor = head.next;
          continue;
        }
        linearized[cursor.opIndex] = 0;
      }
      cursor = cursor.next;
      continue;
    }
    // A return whose operation is not placed: every order tried from here fails; backtrack.
    const top = stack.pop();
    if (top === undefined) return "violation";
    linearized[top.call.opIndex] = 0;
    state = top.state;
    unlift(top.call);
    cursor = top.call.next;
  }
  return "ok";
}
