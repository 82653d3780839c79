/**
 * Cooperative pacing of long statements. Every session of a server runs on its one event loop,
 * and the awaits of a statement's per-row work mostly resolve at once (microtasks, which run
 * before any I/O), so a statement writing a million rows would otherwise hold the loop — every
 * other session's queries, cancel requests and timers — for its whole run. `paceRowWork` lets the
 * event loop take a turn once it has been held for `sliceMs` since its last turn.
 *
 * The first call in a turn starts a slice and schedules its end (a `setImmediate` that runs at the
 * next turn), so statements that run in one turn share it; a statement resuming from its pause
 * starts a fresh slice of its own, so two bulk writers alternate slice for slice instead of the
 * first one to resume taking each turn's whole slice.
 */

/** How long row work may hold the event loop before it gives it a turn. */
export const sliceMs = 10;
/** Calls between clock reads: a row costs microseconds, so this checks every few hundred of them. */
const checkEvery = 64;

let sliceEndsAt = 0;
let isEndScheduled = false;
let calls = 0;

/** Undefined while the current slice lasts (no await needed); else a promise of the next turn. */
export function paceRowWork(): Promise<void> | undefined {
  calls += 1;
  if (calls % checkEvery !== 0) return undefined;
  const now = performance.now();
  if (sliceEndsAt === 0) {
    startSlice(now);
    return undefined;
  }
  if (now < sliceEndsAt) return undefined;
  return new Promise((resolve) =>
    setImmediate(() => {
      startSlice(performance.now());
      resolve();
    }),
  );
}

function startSlice(now: number): void {
  sliceEndsAt = now + sliceMs;
  if (isEndScheduled) return;
  isEndScheduled = true;
  setImmediate(endSlice);
}

function endSlice(): void {
  isEndScheduled = false;
  sliceEndsAt = 0;
}
