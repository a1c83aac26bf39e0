import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Constant-time token check. Both sides are hashed first so the buffers always have the same
 * length (timingSafeEqual throws otherwise, and an early length check would leak the length).
 */
export function tokenMatches(expected: string, given: string): boolean {
  const a = createHash("sha256").update(expected).digest();
  const b = createHash("sha256").update(given).digest();
  return timingSafeEqual(a, b);
}
