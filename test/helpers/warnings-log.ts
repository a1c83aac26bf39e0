/** A Logger for tests that keeps every warning's message (and drops the rest). */
import type { Logger } from "../../src/core/log.ts";

export function captureWarnings(): { log: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const none = () => undefined;
  return {
    warnings,
    log: {
      debug: none,
      info: none,
      error: none,
      addSecret: none,
      level: "warn",
      warn: (m) => void warnings.push(m),
    },
  };
}
