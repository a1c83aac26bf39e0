import { describe, expect, it } from "vitest";
import { countEstablishedSsh, cpuSustained, IdleTracker, keepaliveActivity } from "./idle.ts";

const T0 = 1_700_000_000_000;

describe("IdleTracker", () => {
  it("counts from start when nothing happened, then from the latest activity of any source", () => {
    const t = new IdleTracker(T0);
    expect(t.snapshot(T0 + 90_000).idle_seconds).toBe(90);
    t.observe("heartbeat", T0 + 60_000, "cli");
    t.observe("ssh_input", T0 + 30_000, "pts/0");
    const s = t.snapshot(T0 + 90_000);
    expect(s.idle_seconds).toBe(30);
    expect(s.sources.heartbeat).toEqual({ last_activity: T0 + 60_000, detail: "cli" });
    expect(s.sources.cpu.last_activity).toBeNull();
  });

  it("ignores older observations and clamps future ones to now", () => {
    const t = new IdleTracker(T0);
    t.observe("keepalive", T0 + 50_000);
    t.observe("keepalive", T0 + 10_000);
    expect(t.snapshot(T0 + 60_000).sources.keepalive.last_activity).toBe(T0 + 50_000);
    t.observe("ssh_input", T0 + 999_000);
    expect(t.snapshot(T0 + 60_000).idle_seconds).toBe(0);
  });
});

describe("cpuSustained", () => {
  const busy = (ats: number[], pct = 80) => ats.map((at) => ({ at: T0 + at, percent: pct }));
  it("needs the whole window covered and every sample busy", () => {
    expect(cpuSustained(busy([0, 30_000, 60_000, 90_000, 120_000]), T0 + 120_000, 30, 120_000)).toBe(true);
    // Only one busy sample after nothing: not sustained.
    expect(cpuSustained(busy([120_000]), T0 + 120_000, 30, 120_000)).toBe(false);
    const mixed = [...busy([0, 30_000, 60_000]), { at: T0 + 90_000, percent: 10 }, ...busy([120_000])];
    expect(cpuSustained(mixed, T0 + 120_000, 30, 120_000)).toBe(false);
    expect(cpuSustained(busy([0, 60_000, 120_000], 29.9), T0 + 120_000, 30, 120_000)).toBe(false);
  });
});

describe("keepaliveActivity", () => {
  it("a future epoch means active now; otherwise the file's mtime counts", () => {
    expect(keepaliveActivity(`${(T0 + 3_600_000) / 1000}\n`, T0 - 5000, T0)).toBe(T0);
    expect(keepaliveActivity(`${(T0 - 3_600_000) / 1000}`, T0 - 5000, T0)).toBe(T0 - 5000);
    expect(keepaliveActivity("", T0 - 7000, T0)).toBe(T0 - 7000);
    expect(keepaliveActivity("garbage", T0 - 7000, T0)).toBe(T0 - 7000);
  });
});

describe("countEstablishedSsh", () => {
  const header =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
  it("counts state 01 on local port 22 only (v4 and v6 formats)", () => {
    const v4 = [
      "   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1",
      "   1: 0F02000A:0016 0202000A:C350 01 00000000:00000000 02:00000000 00000000     0        0 2 1",
      "   2: 0F02000A:1F95 0202000A:C351 01 00000000:00000000 02:00000000 00000000     0        0 3 1",
      "   3: 0F02000A:C352 0202000A:0016 01 00000000:00000000 02:00000000 00000000     0        0 4 1",
    ].join("\n");
    expect(countEstablishedSsh(header + v4)).toBe(1);
    const v6 =
      "   0: 0000000000000000FFFF00000F02000A:0016 0000000000000000FFFF00000202000A:D000 01 0:0 0:0 0 0 0 5 1";
    expect(countEstablishedSsh(header + v6)).toBe(1);
    expect(countEstablishedSsh("")).toBe(0);
  });
});
