import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    pool: "forks",
    // Vitest's default is one worker per spare core: one on the 2-core CI machine. The long files
    // mostly wait (idle timeouts, machines booting, apt), so three workers overlap those waits;
    // the CPU-bound parts stay bounded by the host either way.
    maxWorkers: 3,
    globalSetup: ["test/global-setup.ts", "test/machines-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ["default", "./test/summary-reporter.ts"],
  },
});
