/**
 * The simulator's key-value commands: JSON text in the entry bytes. `id` makes every put value
 * unique, which the linearizability checker relies on.
 */
export type KvCommand =
  | { readonly op: "put"; readonly key: string; readonly value: string }
  | { readonly op: "probe"; readonly value: string };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeKvCommand(command: KvCommand): Uint8Array {
  return encoder.encode(JSON.stringify(command));
}

export function decodeKvCommand(bytes: Uint8Array): KvCommand {
  const parsed: unknown = JSON.parse(decoder.decode(bytes));
  if (typeof parsed !== "object" || parsed === null || !("op" in parsed) || !("value" in parsed)) {
    throw new Error("not a kv command");
  }
  const value = String(parsed.value);
  if (parsed.op === "probe") return { op: "probe", value };
  if (parsed.op === "put" && "key" in parsed) return { op: "put", key: String(parsed.key), value };
  throw new Error("not a kv command");
}

export function commandText(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}
