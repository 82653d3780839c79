/** Shared test helpers: text keys and values, and reading a transaction's view as text. */
import type { Transaction } from "@omnikv/txn";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const b = (text: string): Uint8Array => encoder.encode(text);
export const text = (bytes: Uint8Array | undefined): string | undefined => (bytes === undefined ? undefined : decoder.decode(bytes));

/** `key=value` for every entry a transaction sees in `[gte, lt)`. */
export function view(txn: Transaction, gte = "", lt = "\u007f"): string[] {
  return [...txn.scan({ gte: b(gte), lt: b(lt) })].map(([k, v]) => `${decoder.decode(k)}=${decoder.decode(v)}`);
}

/** What a promise has done after the event loop ran a few turns: its value, its error's SQLSTATE, or "pending". */
export async function settle<T>(promise: Promise<T>, turns = 5): Promise<{ state: "fulfilled"; value: T } | { state: "rejected"; sqlState: string } | { state: "pending" }> {
  let outcome: { state: "fulfilled"; value: T } | { state: "rejected"; sqlState: string } | { state: "pending" } = { state: "pending" };
  promise.then(
    (value) => {
      outcome = { state: "fulfilled", value };
    },
    (error: unknown) => {
      outcome = { state: "rejected", sqlState: sqlStateOf(error) };
    },
  );
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
  return outcome;
}

export function sqlStateOf(error: unknown): string {
  if (typeof error === "object" && error !== null && "sqlState" in error && typeof error.sqlState === "string") return error.sqlState;
  throw error;
}
