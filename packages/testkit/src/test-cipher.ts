/**
 * An AES-256-GCM cipher for tests of the encryption hooks packages declare (the executor's
 * SpillCipher and the like), for packages that may not import @omnikv/security. Position-bound
 * (the two numbers are associated data) and counting its calls, so a test can check that every
 * chunk went through it.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

export interface CountingTestCipher {
  seal(first: number, second: number, plaintext: Uint8Array): Uint8Array;
  open(first: number, second: number, sealed: Uint8Array): Uint8Array;
  readonly sealed: number;
  readonly opened: number;
}

export function createCountingTestCipher(): CountingTestCipher {
  const key = randomBytes(32);
  const associatedData = (first: number, second: number): Buffer => Buffer.from(`${first}/${second}`);
  let sealed = 0;
  let opened = 0;
  return {
    seal(first, second, plaintext) {
      sealed++;
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv).setAAD(associatedData(first, second));
      const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return Buffer.concat([iv, body, cipher.getAuthTag()]);
    },
    open(first, second, bytes) {
      opened++;
      const all = Buffer.from(bytes);
      const decipher = createDecipheriv("aes-256-gcm", key, all.subarray(0, 12)).setAAD(associatedData(first, second));
      decipher.setAuthTag(all.subarray(all.length - 16));
      return Buffer.concat([decipher.update(all.subarray(12, all.length - 16)), decipher.final()]);
    },
    get sealed() {
      return sealed;
    },
    get opened() {
      return opened;
    },
  };
}
