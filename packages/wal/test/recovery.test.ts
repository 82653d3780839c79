/**
 * Recovery and corruption scenarios, driven by golden files in testdata/recovery: each damage kind
 * (partial record, bad CRC, zeroed block, random bytes) at the tail, where it is cut, and in the
 * middle or in a sealed segment, where it is a CorruptionError naming the segment and offset.
 */
import { closeSync, ftruncateSync, openSync, readFileSync, readSync, readdirSync, statSync, unlinkSync, writeFileSync, writeSync } from "node:fs";
import { basename, join } from "node:path";
import { afterEach, describe, it } from "vitest";
import { DbError } from "@omnikv/base";
import { Wal, frameHeaderBytes, segmentHeaderBytes } from "@omnikv/wal";
import {
  SeededRandom,
  makeTempDir,
  numberArg,
  runDataDrivenAsync,
  stringArg,
  unknownCommand,
  type DataDrivenCase,
  type TempDir,
} from "@omnikv/testkit";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

class Scenario {
  readonly dir: string;
  wal: Wal | undefined;
  segmentBytes = 64 * 1024 * 1024;
  readonly random = new SeededRandom(7);

  constructor(dir: string) {
    this.dir = dir;
  }

  segments(): string[] {
    return readdirSync(this.dir).filter((n) => n.endsWith(".wal")).sort();
  }

  segmentPath(which: string): string {
    const names = this.segments();
    const name = which === "last" ? names.at(-1) : names[Number(which)];
    if (name === undefined) throw new Error(`no segment ${which}`);
    return join(this.dir, name);
  }

  /** Byte offsets of each record in a segment, found by walking the frame lengths. */
  recordOffsets(path: string): number[] {
    const file = readFileSync(path);
    const offsets: number[] = [];
    let offset = segmentHeaderBytes;
    while (offset + frameHeaderBytes <= file.length) {
      offsets.push(offset);
      offset += frameHeaderBytes + file.readUInt32LE(offset + 4);
    }
    return offsets;
  }
}

async function run(scenario: Scenario, testCase: DataDrivenCase): Promise<string> {
  switch (testCase.command) {
    case "open":
      return await openWal(scenario, testCase);
    case "append": {
      const wal = requireOpen(scenario);
      const count = numberArg(testCase, "n");
      const size = numberArg(testCase, "size", 0);
      const first = wal.nextLsn;
      const payloads = Array.from({ length: count }, (_, i) => encoder.encode(`rec-${first + BigInt(i)}`.padEnd(size, ".")));
      const last = await wal.append(payloads);
      return `appended ${first}..${last}`;
    }
    case "close":
      await requireOpen(scenario).close();
      scenario.wal = undefined;
      return "ok";
    case "replay":
      return replay(requireOpen(scenario));
    case "damage":
      return damage(scenario, testCase);
    case "segments":
      return scenario.segments().map((name) => `${name} ${statSync(join(scenario.dir, name)).size}`).join("\n");
    case "remove":
      unlinkSync(scenario.segmentPath(stringArg(testCase, "segment")));
      return "ok";
    case "write-file":
      writeFileSync(join(scenario.dir, stringArg(testCase, "name")), scenario.random.bytes(numberArg(testCase, "bytes")));
      return "ok";
    default:
      return unknownCommand(testCase);
  }
}

function requireOpen(scenario: Scenario): Wal {
  if (scenario.wal === undefined) throw new Error("no open wal");
  return scenario.wal;
}

async function openWal(scenario: Scenario, testCase: DataDrivenCase): Promise<string> {
  scenario.segmentBytes = numberArg(testCase, "segment-bytes", scenario.segmentBytes);
  try {
    const wal = await Wal.open(scenario.dir, { segmentBytesTarget: scenario.segmentBytes });
    scenario.wal = wal;
    const stats = wal.stats();
    return `next lsn ${wal.nextLsn}, segments ${stats.segmentCount}, torn tail ${stats.tornTailBytesAtOpen} bytes`;
  } catch (error) {
    return describeError(scenario, error);
  }
}

function replay(wal: Wal): string {
  const lines: string[] = [];
  try {
    for (const record of wal.replay()) lines.push(`${record.lsn} ${decoder.decode(record.payload).replace(/\.+$/, "")}`);
  } catch (error) {
    lines.push(describeError({ dir: wal.dir }, error));
  }
  return lines.join("\n");
}

function describeError(scenario: { readonly dir: string }, error: unknown): string {
  if (!(error instanceof DbError)) throw error;
  return `error ${error.sqlState} ${error.name}: ${error.message.replaceAll(scenario.dir, "<dir>")}`;
}

/** Damages a segment file in place. `record=K` is the K-th record (0-based) of that segment. */
function damage(scenario: Scenario, testCase: DataDrivenCase): string {
  const path = scenario.segmentPath(stringArg(testCase, "segment", "last"));
  const kind = stringArg(testCase, "kind");
  const size = statSync(path).size;
  const recordIndex = numberArg(testCase, "record", -1);
  const at = recordIndex >= 0 ? (scenario.recordOffsets(path)[recordIndex] ?? size) + numberArg(testCase, "plus", 0) : size;
  const fd = openSync(path, "r+");
  try {
    switch (kind) {
      case "cut":
        ftruncateSync(fd, at);
        break;
      case "zero":
        writeSync(fd, new Uint8Array(numberArg(testCase, "bytes")), 0, numberArg(testCase, "bytes"), at);
        break;
      case "garbage": {
        const garbage = scenario.random.bytes(numberArg(testCase, "bytes"));
        writeSync(fd, garbage, 0, garbage.length, at);
        break;
      }
      case "flip": {
        const one = new Uint8Array(1);
        readSync(fd, one, 0, 1, at);
        one[0] = (one[0] ?? 0) ^ 0x10;
        writeSync(fd, one, 0, 1, at);
        break;
      }
      default:
        throw new Error(`unknown damage kind ${kind}`);
    }
  } finally {
    closeSync(fd);
  }
  return `${basename(path)}: ${kind} at ${at}, size ${size} -> ${statSync(path).size}`;
}


describe("wal recovery", () => {
  let temp: TempDir;
  afterEach(() => temp.cleanup());

  const files = readdirSync(join(import.meta.dirname, "..", "testdata", "recovery"));
  for (const file of files) {
    it(`testdata/recovery/${file}`, async () => {
      temp = makeTempDir("wal-recovery");
      const scenario = new Scenario(join(temp.path, "log"));
      try {
        await runDataDrivenAsync(join(import.meta.dirname, "..", "testdata", "recovery", file), (c) => run(scenario, c));
      } finally {
        await scenario.wal?.close();
      }
    });
  }
});
