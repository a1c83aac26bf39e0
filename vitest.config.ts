import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Machine-backed suites (nspawn/qemu) are slow and share host resources; they opt in via SPUFF_SLOW.
    reporters: ["default"],
  },
});
