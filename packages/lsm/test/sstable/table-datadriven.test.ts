/**
 * Golden-file scenarios for tables (testdata/sstable): the byte layout of small tables (so a format
 * change shows up as a reviewed diff), lookups at snapshots, iterator walks, and damage.
 *
 *   build [block-bytes=N] [restart-interval=N] [compression=lz4|none] [bloom-bits=N] [format-version=N] [cipher]
 *   <user>#<seq>,<PUT|DEL> [value]      one entry per line, in order
 *   layout                              every block: offset, size, compression, contents
 *   get                                 `<user>@<snapshot>` per line
 *   iter                                first | last | next | prev | seek-ge <key> | seek-le <key>
 *   corrupt block=data:N|filter|index|properties|footer [byte=N] [mask=M]
 *   truncate bytes=N                    cut N bytes off the end
 *   reopen | verify | scan
 *
 * A key without `,KIND` is a seek key (kind 0xff, sorting before every real kind). `REWRITE=1`
 * regenerates the expected outputs.
 */
import { closeSync, ftruncateSync, openSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, it } from "vitest";
import { DbError } from "@omnikv/base";
import { makeTempDir, numberArg, runDataDrivenAsync, stringArg, unknownCommand, type DataDrivenCase, type TempDir } from "@omnikv/testkit";
import type { InternalIterator } from "../../src/internal-iterator.ts";
import { ValueKind, encodeInternalKey, kindForSeek } from "../../src/internal-key.ts";
import { BlockIterator } from "../../src/sstable/block.ts";
import { BlockCache } from "../../src/sstable/block-cache.ts";
import { decodeStoredBlock } from "../../src/sstable/block-codec.ts";
import { BloomFilter } from "../../src/sstable/bloom-filter.ts";
import { blockTrailerBytes, bloomLayoutOf, decodeFooter, footerBytes, tableFormatVersion, type BlockHandle, type Footer } from "../../src/sstable/format.ts";
import { TableReader } from "../../src/sstable/table-reader.ts";
import { ToyCipher, buildTable, describeKey, flipBits, str, text, type Entry } from "./helpers.ts";

const testdataDir = join(import.meta.dirname, "..", "..", "testdata", "sstable");
const fileNumber = 1;

class Scenario {
  readonly dir: string;
  readonly path: string;
  cipher: ToyCipher | undefined;
  reader: TableReader | undefined;
  /** The footer as built, so damage to the footer itself can still be placed. */
  footer: Footer | undefined;

  constructor(dir: string) {
    this.dir = dir;
    this.path = join(dir, "000001.sst");
  }

  open(): TableReader {
    this.reader?.close();
    this.reader = undefined;
    const cipher = this.cipher;
    this.reader = TableReader.open({ path: this.path, fileNumber, blockCache: new BlockCache({ capacityBytes: 1 << 20 }), ...(cipher === undefined ? {} : { cipher }) });
    return this.reader;
  }

  requireReader(): TableReader {
    if (this.reader === undefined) throw new Error("no open table");
    return this.reader;
  }

  describeError(error: unknown): string {
    if (!(error instanceof DbError)) throw error;
    return `error ${error.sqlState} ${error.name}: ${error.message.replaceAll(this.dir, "<dir>")}`;
  }
}

function parseKey(token: string): Uint8Array {
  const match = /^(.*)#(\d+)(?:,(PUT|DEL))?$/.exec(token);
  if (match === null) throw new Error(`bad key "${token}"`);
  const kind = match[3] === undefined ? kindForSeek : match[3] === "PUT" ? ValueKind.Put : ValueKind.Delete;
  return encodeInternalKey(text(match[1] ?? ""), Number(match[2]), kind);
}

function parseEntries(input: string): Entry[] {
  return input
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const space = line.indexOf(" ");
      const keyToken = space < 0 ? line : line.slice(0, space);
      return { key: parseKey(keyToken), value: text(space < 0 ? "" : line.slice(space + 1)) };
    });
}

async function build(scenario: Scenario, testCase: DataDrivenCase): Promise<string> {
  scenario.reader?.close();
  scenario.reader = undefined;
  // Tables are created exclusively: a new build replaces the previous table.
  rmSync(scenario.path, { force: true });
  scenario.cipher = testCase.args.some((a) => a.key === "cipher") ? new ToyCipher() : undefined;
  const options = {
    path: scenario.path,
    fileNumber,
    blockBytes: numberArg(testCase, "block-bytes", 4096),
    restartInterval: numberArg(testCase, "restart-interval", 16),
    compression: stringArg(testCase, "compression", "lz4") === "none" ? ("none" as const) : ("lz4" as const),
    bloomBitsPerKey: numberArg(testCase, "bloom-bits", 10),
    formatVersion: numberArg(testCase, "format-version", tableFormatVersion),
    ...(scenario.cipher === undefined ? {} : { cipher: scenario.cipher }),
  };
  const p = await buildTable(options, parseEntries(testCase.input));
  scenario.footer = readFooter(scenario);
  scenario.open();
  return [
    `entries ${p.entryCount} (${p.deleteCount} deletes) in ${p.dataBlockCount} data blocks, ${p.fileBytes} bytes`,
    `keys ${describeKey(p.smallestKey)} .. ${describeKey(p.largestKey)}, sequences ${p.smallestSequence}..${p.largestSequence}`,
  ].join("\n");
}

function readFooter(scenario: Scenario): Footer {
  const bytes = readFileSync(scenario.path);
  const footer = decodeFooter(new Uint8Array(bytes.subarray(bytes.length - footerBytes)));
  if (typeof footer === "string") throw new Error(footer);
  return footer;
}

function blockLine(scenario: Scenario, what: string, handle: BlockHandle, detail: string): string {
  const file = readFileSync(scenario.path);
  const type = file[handle.offset + handle.size] === 1 ? "lz4" : "none";
  return `${what}: offset ${handle.offset}, ${handle.size} + ${blockTrailerBytes} bytes, ${type}, ${detail}`;
}

function layout(scenario: Scenario): string {
  const reader = scenario.requireReader();
  const lines: string[] = [];
  for (let i = 0; i < reader.index.blockCount; i++) {
    const handle = { offset: reader.index.blockOffset(i), size: reader.index.blockSize(i) };
    const block = reader.dataBlock(i);
    const keys: string[] = [];
    const cursor = new BlockIterator(block);
    for (cursor.seekToFirst(); cursor.isValid; cursor.next()) keys.push(describeKey(cursor.key()));
    lines.push(blockLine(scenario, `data block ${i}`, handle, `${block.restartCount} restarts, ${block.hashBucketCount} hash buckets: ${keys.join(" ")}`));
  }
  const footer = readFooter(scenario);
  if (footer.filter !== undefined) {
    const stored = new Uint8Array(readFileSync(scenario.path).subarray(footer.filter.offset, footer.filter.offset + footer.filter.size + blockTrailerBytes));
    const location = { path: scenario.path, offset: footer.filter.offset, what: "filter block" };
    const filter = BloomFilter.decode(decodeStoredBlock(stored, location, { fileNumber, cipher: scenario.cipher, verifyChecksum: true }), location, bloomLayoutOf(footer.formatVersion));
    lines.push(blockLine(scenario, "filter block", footer.filter, `${filter.layout}, ${filter.bitCount} bits, ${filter.probeCount} probes`));
  }
  lines.push(blockLine(scenario, "index block", footer.index, `${reader.index.blockCount} entries`));
  lines.push(blockLine(scenario, "properties block", footer.properties, `file number ${reader.properties.fileNumber}`));
  lines.push(`footer: offset ${statSync(scenario.path).size - footerBytes}, ${footerBytes} bytes${footer.isSealed ? ", sealed" : ""}`);
  return lines.join("\n");
}

function get(scenario: Scenario, input: string): string {
  const reader = scenario.requireReader();
  return input
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const [userKey = "", snapshot = "0"] = line.trim().split("@");
      try {
        const found = reader.get(text(userKey), Number(snapshot));
        if (found === undefined) return `${line}: not found`;
        return `${line}: ${found.kind === ValueKind.Put ? "PUT" : "DEL"} #${found.sequence}${found.kind === ValueKind.Put ? ` ${str(found.value)}` : ""}`;
      } catch (error) {
        return `${line}: ${scenario.describeError(error)}`;
      }
    })
    .join("\n");
}

function iter(scenario: Scenario, input: string): string {
  const iterator = scenario.requireReader().iterator();
  const position = (cursor: InternalIterator): string => (cursor.isValid ? `${describeKey(cursor.key())}=${str(cursor.value())}` : ".");
  const lines = input
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const [op = "", arg = ""] = line.trim().split(" ");
      try {
        if (op === "first") iterator.seekToFirst();
        else if (op === "last") iterator.seekToLast();
        else if ((op === "next" || op === "prev") && !iterator.isValid) return `${line}: (not positioned)`;
        else if (op === "next") iterator.next();
        else if (op === "prev") iterator.prev();
        else if (op === "seek-ge") iterator.seek(parseKey(arg));
        else if (op === "seek-le") iterator.seekForPrev(parseKey(arg));
        else throw new Error(`unknown iterator op "${op}"`);
        return `${line}: ${position(iterator)}`;
      } catch (error) {
        return `${line}: ${scenario.describeError(error)}`;
      }
    });
  iterator.close();
  return lines.join("\n");
}

function corrupt(scenario: Scenario, testCase: DataDrivenCase): string {
  const which = stringArg(testCase, "block");
  const footer = scenario.footer;
  if (footer === undefined) throw new Error("corrupt needs a built table");
  const fileBytes = statSync(scenario.path).size;
  let start: number;
  if (which.startsWith("data:")) start = scenario.requireReader().index.blockOffset(Number(which.slice(5)));
  else if (which === "filter") start = footer.filter?.offset ?? -1;
  else if (which === "index") start = footer.index.offset;
  else if (which === "properties") start = footer.properties.offset;
  else if (which === "footer") start = fileBytes - footerBytes;
  else throw new Error(`unknown block "${which}"`);
  const at = start + numberArg(testCase, "byte", 0);
  const mask = numberArg(testCase, "mask", 0x10);
  flipBits(scenario.path, at, mask);
  return `flipped mask 0x${mask.toString(16)} at byte ${at} (${which} + ${at - start})`;
}

function scan(scenario: Scenario): string {
  const lines: string[] = [];
  const cursor = scenario.requireReader().iterator();
  try {
    for (cursor.seekToFirst(); cursor.isValid; cursor.next()) lines.push(`${describeKey(cursor.key())}=${str(cursor.value())}`);
  } catch (error) {
    lines.push(scenario.describeError(error));
  }
  cursor.close();
  return lines.join("\n");
}

async function run(scenario: Scenario, testCase: DataDrivenCase): Promise<string> {
  switch (testCase.command) {
    case "build":
      return await build(scenario, testCase);
    case "layout":
      return layout(scenario);
    case "get":
      return get(scenario, testCase.input);
    case "iter":
      return iter(scenario, testCase.input);
    case "corrupt":
      return corrupt(scenario, testCase);
    case "truncate": {
      const size = statSync(scenario.path).size;
      const fd = openSync(scenario.path, "r+");
      ftruncateSync(fd, size - numberArg(testCase, "bytes"));
      closeSync(fd);
      return `${size} -> ${statSync(scenario.path).size} bytes`;
    }
    case "reopen":
      try {
        scenario.open();
        return "ok";
      } catch (error) {
        return scenario.describeError(error);
      }
    case "verify": {
      const report = scenario.requireReader().verify();
      return [`blocks checked ${report.blocksChecked}`, ...report.problems.map((p) => p.replaceAll(scenario.dir, "<dir>"))].join("\n");
    }
    case "scan":
      return scan(scenario);
    default:
      return unknownCommand(testCase);
  }
}

describe("sstable golden files", () => {
  let temp: TempDir;
  afterEach(() => temp.cleanup());

  for (const file of readdirSync(testdataDir)) {
    it(`testdata/sstable/${file}`, async () => {
      temp = makeTempDir("sstable-golden");
      const scenario = new Scenario(temp.path);
      try {
        await runDataDrivenAsync(join(testdataDir, file), (c) => run(scenario, c));
      } finally {
        scenario.reader?.close();
      }
    });
  }
});
