/**
 * Comparison of secrets in time independent of where they differ. `timingSafeEqual` needs equal
 * lengths and would leak the length through its exception, so inputs are first reduced to
 * HMACs under a per-process random key: equal-length digests whose comparison reveals nothing
 * about the inputs, and which are equal only when the inputs are (barring an HMAC collision).
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

const comparisonKey = randomBytes(32);

export function constantTimeEqual(left: Uint8Array | string, right: Uint8Array | string): boolean {
  const leftDigest = createHmac("sha256", comparisonKey).update(left).digest();
  const rightDigest = createHmac("sha256", comparisonKey).update(right).digest();
  return timingSafeEqual(leftDigest, rightDigest);
}
