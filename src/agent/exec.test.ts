import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createExec, lookupUser, OUTPUT_CAP } from "./exec.ts";
import { testEnv } from "./testing/exec-env.ts";

describe("createExec", () => {
  const exec = createExec({ env: testEnv() });

  it("gives the commands the environment it was made with", async () => {
    expect((await exec('echo "$HOME"', 10_000)).stdout).toBe(`${testEnv().HOME}\n`);
  });

  it("runs the command as one bash -lc argument and reports exit code and both streams", async () => {
    const r = await exec("echo out; echo err >&2; exit 3", 10_000);
    expect(r).toMatchObject({ exit_code: 3, stdout: "out\n", stderr: "err\n", timed_out: false });
    expect(r.duration_ms).toBeGreaterThanOrEqual(0);
  });

  it("kills the whole process group on timeout", async () => {
    const started = Date.now();
    // Generous timeout: `bash -l` reads the login profile first, which is slow on a loaded machine.
    const r = await exec("sleep 30 & echo $!; sleep 30; echo never", 2500);
    expect(r.timed_out).toBe(true);
    expect(Date.now() - started).toBeLessThan(8000);
    const bgPid = Number(r.stdout.trim());
    expect(bgPid).toBeGreaterThan(0);
    // The backgrounded grandchild was in the same process group, so it is dead too: gone, or a
    // zombie waiting for init to reap it (poll briefly; SIGKILL delivery is asynchronous).
    const alive = () => {
      try {
        return readFileSync(`/proc/${bgPid}/stat`, "utf8").split(") ")[1]?.[0] !== "Z";
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 40 && alive(); i++) await new Promise((res) => setTimeout(res, 50));
    expect(alive()).toBe(false);
  });

  it("caps each stream at 1 MiB", async () => {
    const r = await exec("head -c 3000000 /dev/zero | tr '\\0' a", 10_000);
    expect(r.stdout.length).toBe(OUTPUT_CAP);
  });

  it("drops to the configured user when running as root", async () => {
    const nobody = lookupUser("nobody");
    if (process.getuid?.() !== 0 || !nobody) return; // only meaningful as root
    const r = await createExec({ user: nobody })("id -u", 10_000);
    expect(r.stdout.trim()).toBe(String(nobody.uid));
  });
});
