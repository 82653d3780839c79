/**
 * A 32-bit FNV-1a running hash: the simulator folds every event into one, so "same seed ⇒ same
 * run" is checked by comparing two numbers, and log prefixes are compared in O(1).
 */
export function mixString(hash: number, text: string): number {
  let h = hash;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x0100_0193);
  }
  return h >>> 0;
}

export function mixNumber(hash: number, value: number): number {
  let h = hash ^ (value & 0xffff_ffff);
  h = Math.imul(h, 0x0100_0193);
  h ^= Math.floor(value / 0x1_0000_0000);
  return Math.imul(h, 0x0100_0193) >>> 0;
}

export const fnvOffset = 0x811c_9dc5;
