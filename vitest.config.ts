import { defineConfig } from "vitest/config";
import { ALL_TESTS, E2E, MACHINES } from "./test/projects.ts";

// Three projects by what the tests need (test/projects.ts lists the files):
//   unit      nothing but Node and loopback       npm run test:unit
//   e2e       dist/, a real sshd, official clients npx vitest run --project e2e
//   machines  real local machines (root, image)   npx vitest run --project machines
// `npm test` runs all three in one pool, so machine files' long waits overlap the rest.
export default defineConfig({
  test: {
    pool: "forks",
    // Vitest's default is one worker per spare core: one on the 2-core CI machine. The long files
    // mostly wait (idle timeouts, machines booting, apt), so three workers overlap those waits;
    // the CPU-bound parts stay bounded by the host either way.
    maxWorkers: 3,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ["default", "./test/summary-reporter.ts"],
    projects: [
      { extends: true, test: { name: "unit", include: ALL_TESTS, exclude: [...E2E, ...MACHINES] } },
      // The build runs once per `vitest run` even when both projects below take part.
      { extends: true, test: { name: "e2e", include: E2E, globalSetup: ["test/global-setup.ts"] } },
      {
        extends: true,
        test: {
          name: "machines",
          include: MACHINES,
          globalSetup: ["test/global-setup.ts", "test/machines-setup.ts"],
        },
      },
    ],
  },
});
