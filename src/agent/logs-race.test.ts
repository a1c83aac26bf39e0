import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { HttpError } from "./http.ts";
import { readLogTail } from "./logs.ts";

// A guest process that can write under the log root swaps a directory of it for a symlink to the
// outside while the agent serves a file in it. Whatever the timing, nothing outside is served.
const top = realpathSync(mkdtempSync(path.join(os.tmpdir(), "spuff-logs-race-")));
const root = path.join(top, "log");
mkdirSync(path.join(root, "d"), { recursive: true });
mkdirSync(path.join(top, "out"));
writeFileSync(path.join(root, "d", "f.log"), "inside\n");
writeFileSync(path.join(top, "out", "f.log"), "OUTSIDE-SECRET\n");
afterAll(() => rmSync(top, { recursive: true, force: true }));

// Swaps root/d between the real directory and a symlink to top/out as fast as it can, for at most
// 60 s (the test kills it sooner).
const SWAPPER = `
import os, random, sys, time
def hold():
    # Each state lasts a random few microseconds so that every interleaving comes up.
    t = time.perf_counter() + random.random() * 0.001
    while time.perf_counter() < t: pass
root, out = sys.argv[1], sys.argv[2]
d, real = os.path.join(root, "d"), os.path.join(root, "d.real")
end = time.time() + 60
print("swapping", flush=True)
while time.time() < end:
    os.rename(d, real); os.symlink(out, d); hold()
    os.unlink(d); os.rename(real, d); hold()
`;

describe("readLogTail under a directory/symlink swap race", () => {
  it("never serves a file outside the root in 1000 tries", async () => {
    const swapper = spawn("python3", ["-c", SWAPPER, root, path.join(top, "out")], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    await new Promise((resolve, reject) => {
      swapper.stdout.once("data", resolve);
      swapper.once("exit", () => reject(new Error("the swapper exited early")));
    });
    const seen = { inside: 0, refused: 0, outside: 0, unexpected: 0 };
    try {
      const deadline = Date.now() + 20_000;
      const one = async () => {
        try {
          const lines = await readLogTail(root, path.join(root, "d", "f.log"), 5);
          if (lines.join("\n").includes("OUTSIDE")) seen.outside++;
          else seen.inside++;
        } catch (e) {
          // Anything but a 403/404 would reach the client as a 500.
          if (e instanceof HttpError) seen.refused++;
          else seen.unexpected++;
        }
      };
      // 1000 requests, 4 at a time as concurrent clients would send them.
      for (let i = 0; i < 250 && Date.now() < deadline; i++) await Promise.all([one(), one(), one(), one()]);
    } finally {
      swapper.kill("SIGKILL");
    }
    expect(seen.outside, JSON.stringify(seen)).toBe(0);
    // The race was really run: some reads got through, some were refused mid-swap.
    expect(seen.unexpected, JSON.stringify(seen)).toBe(0);
    expect(seen.inside, JSON.stringify(seen)).toBeGreaterThan(0);
    expect(seen.refused, JSON.stringify(seen)).toBeGreaterThan(0);
  });
});
