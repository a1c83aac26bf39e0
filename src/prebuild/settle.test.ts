import { describe, expect, it } from "vitest";
import type { StepStatus } from "../agent/steps-status.ts";
import { FakeClock } from "../core/clock.ts";
import { SETTLE_POLL_MS, waitBundlesSettled } from "./settle.ts";

const step = (name: string, status: StepStatus["status"], reason: string | null = null): StepStatus => ({
  id: name,
  name,
  status,
  version: null,
  exit_code: null,
  log: null,
  started_at: null,
  finished_at: null,
  reason,
});

/** Runs the wait while the fake clock moves a poll at a time (bounded). */
async function drive<T>(clock: FakeClock, p: Promise<T>): Promise<T> {
  let settled = false;
  const out = p.finally(() => {
    settled = true;
  });
  out.catch(() => undefined);
  for (let i = 0; i < 10_000 && !settled; i++) await clock.advance(SETTLE_POLL_MS);
  return out;
}

describe("waitBundlesSettled", () => {
  it("waits until every bundle is settled (and all were listed), polling on the clock", async () => {
    const clock = new FakeClock();
    const seq = [
      [],
      [step("node", "installing")],
      [step("node", "installing"), step("go", "pending")],
      [step("node", "done"), step("go", "skipped", "skipped: no apt-get")],
    ];
    let reads = 0;
    const read = async () => seq[Math.min(reads++, seq.length - 1)] as StepStatus[];
    const t0 = clock.now();
    const out = await drive(clock, waitBundlesSettled(read, { clock, timeoutMs: 60_000, expected: 2 }));
    expect(out.map((s) => s.status)).toEqual(["done", "skipped"]);
    expect(reads).toBe(4);
    expect(clock.now() - t0).toBeGreaterThanOrEqual(3 * SETTLE_POLL_MS);
  });

  it("a failed bundle is never baked in", async () => {
    const clock = new FakeClock();
    const read = async () => [step("node", "done"), step("devbox", "failed")];
    await expect(waitBundlesSettled(read, { clock, timeoutMs: 60_000, expected: 2 })).rejects.toMatchObject({
      code: "prebuild_bundle_failed",
      message: expect.stringContaining("devbox (failed)"),
    });
  });

  it("gives up at the timeout of the clock; a failing read only costs a poll", async () => {
    const clock = new FakeClock();
    let reads = 0;
    const read = async () => {
      reads++;
      if (reads % 2) throw new Error("exec dropped");
      return [step("node", "installing")];
    };
    await expect(
      drive(clock, waitBundlesSettled(read, { clock, timeoutMs: 20_000, expected: 1 })),
    ).rejects.toMatchObject({ code: "prebuild_bundles_timeout" });
    expect(reads).toBeLessThanOrEqual(20_000 / SETTLE_POLL_MS + 1);
  });
});
