/** The closing line counts what vitest ran, including skipped tests per project. */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { expect, it } from "vitest";

const repo = path.resolve(import.meta.dirname, "..");
const fixture = path.join(repo, "test/fixtures/summary");

it("prints passed, failed (a file failing in set-up counts) and skipped, per project", () => {
  const r = spawnSync(
    process.execPath,
    [
      path.join(repo, "node_modules/vitest/vitest.mjs"),
      "run",
      "--root",
      fixture,
      "--config",
      "vitest.config.ts",
    ],
    { cwd: fixture, encoding: "utf8", timeout: 60_000, env: { ...process.env, CI: "", NO_COLOR: "1" } },
  );
  expect(r.status, r.stderr).toBe(1);
  expect(r.stdout.trim().split("\n").at(-1)).toBe("1 passed, 2 failed, 4 skipped (fixture 4)");
});
