/**
 * spuff-keepalive (the shipped shell file) against the agent's reading of its file
 * (keepaliveActivity): a lease keeps "now" active until it ends, `off` and a bare call count as
 * activity at the moment they ran, bad input changes nothing.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { keepaliveActivity } from "../agent/idle.ts";
import { scriptSourcePath } from "./generate-scripts.ts";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-keepalive-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const file = path.join(tmp, "run", "keepalive");

function keepalive(...args: string[]) {
  const r = spawnSync("bash", [scriptSourcePath("spuff-keepalive.sh"), ...args], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", SPUFF_KEEPALIVE_FILE: file },
    encoding: "utf8",
    timeout: 10_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** What the agent concludes from the file at `now`. */
function agentSees(now: number): number {
  const st = fs.statSync(file);
  return keepaliveActivity(fs.readFileSync(file, "utf8"), st.mtimeMs, now);
}

// As root (as tests here run) the script writes directly; as the dev user it goes through sudo -n.
describe.runIf(process.getuid?.() === 0)("spuff-keepalive", () => {
  it("DURATION: the agent sees activity now until the lease ends, then the lease's end is past", () => {
    const before = Date.now();
    const r = keepalive("90m");
    expect(r, r.err).toMatchObject({ code: 0 });
    expect(r.out).toMatch(/kept up until/);
    const until = Number(fs.readFileSync(file, "utf8")) * 1000;
    expect(until).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 90 * 60_000);
    expect(until).toBeLessThanOrEqual(Date.now() + 90 * 60_000 + 1000);
    const later = Date.now() + 60 * 60_000; // an hour on, still inside the lease
    expect(agentSees(later)).toBe(later);
    expect(keepalive("status").out).toMatch(/kept up until/);
    // After the lease the mtime (when it was written) is the last activity.
    expect(agentSees(until + 1000)).toBeLessThan(Date.now() + 1);
  });

  it("off releases: activity at the moment it ran, no lease", () => {
    keepalive("2h");
    const r = keepalive("off");
    expect(r).toMatchObject({ code: 0 });
    const now = Date.now();
    const seen = agentSees(now + 10 * 60_000);
    expect(seen).toBeLessThanOrEqual(now);
    expect(seen).toBeGreaterThan(now - 5000);
    expect(keepalive("status").out).toMatch(/no keep-alive active/);
  });

  it("no argument records activity now; units s/m/h/d and bare seconds", () => {
    expect(keepalive().code).toBe(0);
    expect(agentSees(Date.now() + 60_000)).toBeGreaterThan(Date.now() - 5000);
    for (const [arg, secs] of [
      ["45", 45],
      ["30s", 30],
      ["2h", 7200],
      ["1d", 86400],
    ] as const) {
      keepalive(arg);
      const left = Number(fs.readFileSync(file, "utf8")) - Math.floor(Date.now() / 1000);
      expect(Math.abs(left - secs), arg).toBeLessThanOrEqual(2);
    }
  });

  it("bad input exits 2 with usage and leaves the file alone", () => {
    keepalive("1h");
    const before = fs.readFileSync(file, "utf8");
    for (const bad of ["1w", "-5", "1h; rm -rf /", "1.5h"]) {
      const r = keepalive(bad);
      expect(r.code, bad).toBe(2);
      expect(r.err).toMatch(/^usage: spuff-keepalive/);
    }
    expect(fs.readFileSync(file, "utf8")).toBe(before);
  });
});
