/** Whether the machine suites run, skip with a reason, or stop the run (CI). */
import { describe, expect, it } from "vitest";
import { machineHostProblems, machineHostVerdict } from "./machines.ts";

const capable = { platform: "linux" as const, uid: 0, which: (p: string) => `/usr/bin/${p}` };

describe("machine suites on a host", () => {
  it("names every reason a host cannot boot machines", () => {
    expect(machineHostProblems(capable)).toEqual([]);
    expect(machineHostProblems({ platform: "darwin", uid: 501, which: () => undefined })).toEqual([
      "platform is darwin, not linux",
      "not root (uid 501)",
      "systemd-nspawn not on PATH (scripts/setup-system.sh installs it)",
      "slirp4netns not on PATH (scripts/setup-system.sh installs it)",
    ]);
  });

  it("fails the run with the reasons when they are required (CI), else says why they skip", () => {
    const problems = machineHostProblems({ ...capable, uid: 1000 });
    expect(() => machineHostVerdict(problems, true)).toThrow(
      "CI must be able to run local machines, and this host cannot: not root (uid 1000)",
    );
    expect(machineHostVerdict(problems, false)).toBe("machine suites will be skipped: not root (uid 1000)");
    expect(machineHostVerdict([], true)).toBeUndefined();
  });
});
