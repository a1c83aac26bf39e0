/** bench/run.mjs runs what BENCHMARKS.md cites, and refuses to start when a cited file is missing. */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";

const repo = path.resolve(import.meta.dirname, "..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-bench-run-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const run = (...args: string[]) =>
  spawnSync(process.execPath, ["bench/run.mjs", ...args], { cwd: repo, encoding: "utf8", timeout: 30_000 });

it("lists one command for every benchmark in bench/, each cited by BENCHMARKS.md", () => {
  const r = run("--list");
  expect(r.status, r.stderr).toBe(0);
  expect(r.stderr).not.toMatch(/not cited/);
  const cited = new Set([...r.stdout.matchAll(/^## node (?:--import tsx )?bench\/(\S+)/gm)].map((m) => m[1]));
  const files = fs
    .readdirSync(path.join(repo, "bench"))
    .filter((f) => /\.(mjs|ts)$/.test(f) && f !== "run.mjs");
  expect([...cited].sort()).toEqual(files.sort());
  expect(r.stdout).toContain("## node --import tsx bench/up-bench.ts concurrent --n 10 --rounds 2");
});

it("fails loudly, before running anything, when a cited benchmark is missing", () => {
  const md = path.join(tmp, "BENCHMARKS.md");
  fs.writeFileSync(
    md,
    "Run `node bench/cold-start.mjs --runs 3`.\n\n```\nnode bench/vanished.mjs --runs 5\n```\n",
  );
  const r = run("--file", md);
  expect(r.status).toBe(1);
  expect(r.stderr).toContain(`MISSING bench/vanished.mjs, cited in ${md}`);
  expect(r.stdout).not.toContain("##");
});
