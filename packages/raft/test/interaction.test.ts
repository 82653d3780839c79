/**
 * etcd-style interaction tests: each file in testdata/interaction scripts one interleaving
 * (campaign, tick, deliver or drop messages, stabilize) against fresh `RaftNode`s, with every
 * Ready and message in the golden output. `REWRITE=1 npx vitest run test/interaction.test.ts`
 * regenerates the goldens; review the diff like code.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "vitest";
import { runDataDriven } from "@omnikv/testkit";
import { InteractionEnv } from "./support/interaction-env.ts";

const dir = join(import.meta.dirname, "..", "testdata", "interaction");

describe("interaction scripts", () => {
  for (const file of readdirSync(dir).sort()) {
    it(`testdata/interaction/${file}`, () => {
      const env = new InteractionEnv();
      runDataDriven(join(dir, file), (testCase) => env.handle(testCase));
    });
  }
});
