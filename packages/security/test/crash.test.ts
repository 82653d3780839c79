/**
 * An encrypted store survives crashes: a child process writes atomic batches to an encrypted
 * LsmStore (small memtables, so flushes and compactions run mid-write) and is SIGKILLed at a
 * random moment; after each crash the store opens with the keystore, holds every acknowledged
 * batch and no partial one, verifies clean, and still holds no plaintext.
 */
import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LsmStore } from "@omnikv/lsm";
import { CrashChild, SeededRandom, makeTempDir, seedFromEnv } from "@omnikv/testkit";
import { createKeystore, createStoreCiphers, generateKeyFileContents, openKeystore } from "../src/index.ts";
import { batchEntries, keyOf, keysPerBatch, progressKey, storeOptions, valueOf } from "./fixtures/encrypted-batches.mjs";

const child = join(import.meta.dirname, "fixtures", "encrypted-writer.mjs");
const cycles = Number(process.env["SECURITY_CRASH_CYCLES"] ?? 6);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function filesContaining(dir: string, text: string): string[] {
  const needle = Buffer.from(text);
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile() && readFileSync(path).includes(needle));
}

describe("an encrypted store under SIGKILL", () => {
  const temp = makeTempDir("security-crash");
  afterAll(() => temp.cleanup());

  it(`keeps every acknowledged batch and no partial one across ${cycles} kill -9 cycles`, async () => {
    const seed = seedFromEnv();
    const random = new SeededRandom(seed);
    const dir = join(temp.path, "store");
    const keyFile = join(temp.path, "key");
    const keystore = join(temp.path, "keystore.json");
    writeFileSync(keyFile, generateKeyFileContents());
    await createKeystore(keystore, { keyFile });
    let lastAcked = 0;
    for (let cycle = 0; cycle < cycles; cycle++) {
      const crashChild = new CrashChild({ script: child, args: [dir, keystore, keyFile], deadlineMs: 30_000 });
      await crashChild.waitForLines(random.int(2, 200));
      await new Promise((resolve) => setTimeout(resolve, random.int(0, 30)));
      const exit = await crashChild.kill();
      expect(exit.signal, `seed ${seed}: ${exit.stderr}`).toBe("SIGKILL");
      for (const line of crashChild.lines) {
        const match = /^ack (\d+)$/.exec(line);
        if (match !== null) lastAcked = Math.max(lastAcked, Number(match[1]));
      }
      const store = await LsmStore.open(dir, storeOptions(createStoreCiphers(await openKeystore(keystore, { keyFile }))));
      try {
        const progress = Number(decoder.decode(store.get(encoder.encode(progressKey))));
        expect(progress, `seed ${seed}: lost acknowledged batch ${lastAcked}`).toBeGreaterThanOrEqual(lastAcked);
        expect(progress, `seed ${seed}`).toBeLessThanOrEqual(lastAcked + 1);
        for (let batch = 1; batch <= progress + 1; batch++) {
          for (let index = 0; index < keysPerBatch; index++) {
            const value = store.get(encoder.encode(keyOf(batch, index)));
            expect(value === undefined ? undefined : decoder.decode(value), `seed ${seed}: batch ${batch} key ${index}`).toBe(batch <= progress ? valueOf(batch, index) : undefined);
          }
        }
        expect(store.verify().problems, `seed ${seed}`).toEqual([]);
        lastAcked = progress;
      } finally {
        await store.close();
      }
    }
    expect(lastAcked, "the writer made progress").toBeGreaterThan(cycles);
    expect(filesContaining(dir, "SECRET-VALUE")).toEqual([]);
    expect(batchEntries(1)).toHaveLength(keysPerBatch + 1);
  });
});
