/** The bin/ launchers in a checkout that was never built: they name the fix, not a stack trace. */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const repo = path.resolve(import.meta.dirname, "..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-launcher-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A copy of bin/ and package.json without dist/, as after a fresh clone. */
function checkout(name: string): string {
  const dir = path.join(tmp, name);
  fs.cpSync(path.join(repo, "bin"), path.join(dir, "bin"), { recursive: true });
  fs.copyFileSync(path.join(repo, "package.json"), path.join(dir, "package.json"));
  return dir;
}

const run = (dir: string, bin: string, ...args: string[]) =>
  spawnSync(process.execPath, [path.join(dir, "bin", bin), ...args], { encoding: "utf8", timeout: 10_000 });

describe("before `npm run build`", () => {
  const dir = checkout("unbuilt");

  it.each([
    ["spuff.cjs", "dist/cli/main.cjs"],
    ["spuff-agent.cjs", "dist/agent/spuff-agent.cjs"],
    ["spuff-sim.cjs", "dist/sim/main.cjs"],
  ])("%s says to run npm run build, in one line and a hint", (bin, bundle) => {
    const r = run(dir, bin, "list");
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `Error: ${bundle} is missing: spuff is not built.\nHint: run \`npm run build\` in ${dir}\n`,
    );
  });

  it("still answers --version, which needs no bundle", () => {
    expect(run(dir, "spuff.cjs", "--version")).toMatchObject({ status: 0, stdout: /^\d+\.\d+\.\d+\n$/ });
  });
});

it("a bundle that is there but fails to load is not reported as unbuilt", () => {
  const dir = checkout("broken");
  fs.mkdirSync(path.join(dir, "dist/cli"), { recursive: true });
  fs.writeFileSync(path.join(dir, "dist/cli/main.cjs"), 'require("spuff-no-such-dependency");\n');
  const r = run(dir, "spuff.cjs", "list");
  expect(r.status).not.toBe(0);
  expect(r.stderr).toContain("Cannot find module 'spuff-no-such-dependency'");
  expect(r.stderr).not.toContain("npm run build");
});
