import { describe, expect, it } from "vitest";
import type { StepStatus } from "../agent/steps-status.ts";
import { currentSetupStep, findBundle, stepHeader } from "./logs-steps.ts";
import { checklistRows } from "./status-checklist.ts";

const step = (
  id: string,
  name: string,
  status: StepStatus["status"],
  o: Partial<StepStatus> = {},
): StepStatus => ({
  id,
  name,
  status,
  version: null,
  exit_code: null,
  log: `/var/log/spuff/x/${id}.log`,
  started_at: null,
  finished_at: null,
  reason: null,
  ...o,
});

const checklist = {
  status: "failed",
  bundles: [
    step("01", "node", "done", { version: "v18.19.0" }),
    step("02", "devbox", "failed", { exit_code: 6 }),
    step("03", "go", "installing"),
  ],
  setup: [
    step("01", "bundle python", "done", { version: "Python 3.11.2" }),
    step("02", "setup 1: make", "failed", { exit_code: 2 }),
    step("03", "setup 2: make test", "skipped", { reason: "an earlier step failed" }),
  ],
};

describe("status checklist", () => {
  it("one row per bundle and step: version when done, the log command when failed", () => {
    expect(checklistRows(checklist, "box")).toEqual([
      ["Bundles", "✓ node v18.19.0"],
      ["", "✗ devbox (failed, exit 6; spuff logs box --bundle devbox)"],
      ["", "… go (installing)"],
      ["Setup", "✓ bundle python Python 3.11.2"],
      ["", "✗ setup 1: make (failed, exit 2; spuff logs box --setup)"],
      ["", "- setup 2: make test (skipped: an earlier step failed)"],
    ]);
  });

  it("a step the prebuild did says so", () => {
    const c = {
      status: "ready",
      bundles: [],
      setup: [step("01", "bundle node", "done", { version: "v18.19.0", reason: "cached" })],
    };
    expect(checklistRows(c, "box")).toEqual([["Setup", "✓ bundle node v18.19.0 (cached in the prebuild)"]]);
  });
});

describe("logs --bundle / --setup", () => {
  it("finds background bundles and those the setup installed; names the known ones otherwise", () => {
    expect(findBundle(checklist, "devbox").log).toBe("/var/log/spuff/x/02.log");
    expect(findBundle(checklist, "python").id).toBe("01");
    expect(() => findBundle(checklist, "rust")).toThrow(/Bundle not found: "rust"/);
  });

  it("-f follows the running step, else the last that ran", () => {
    expect(currentSetupStep(checklist).name).toBe("setup 1: make");
    const running = {
      ...checklist,
      setup: [step("01", "a", "done"), step("02", "b", "running"), step("03", "c", "pending")],
    };
    expect(currentSetupStep(running).name).toBe("b");
    expect(() => currentSetupStep({ ...checklist, setup: [] })).toThrow(/not found/);
    expect(stepHeader(checklist.setup[1] as StepStatus)).toBe("==> 02 setup 1: make (failed, exit 2) <==");
  });
});
