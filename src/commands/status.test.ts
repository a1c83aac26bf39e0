import { describe, expect, it } from "vitest";
import { detailRows } from "./status.ts";

const status = {
  uptime_seconds: 60,
  idle_seconds: 30,
  bootstrap_status: "ready",
  cloud_init_done: true,
  agent_version: "0.1.0",
};

describe("status --detailed rows", () => {
  it("shows the idle countdown and resources from the agent's /idle and /metrics", () => {
    const rows = detailRows({
      status,
      idle: {
        idle_seconds: 30,
        idle_timeout_seconds: 1800,
        deadline: "2026-12-01T10:00:00.000Z",
        deadline_reason: "idle",
        seconds_until_deadline: 1770,
        teardown: "destroy",
      },
      metrics: {
        cpu_usage_percent: 12.5,
        memory_used_bytes: 1024 ** 3,
        memory_total_bytes: 4 * 1024 ** 3,
        disk_used_bytes: 5 * 1024 ** 3,
        disk_total_bytes: 20 * 1024 ** 3,
        load_average: [0.5, 0.25, 0],
      },
    });
    expect(Object.fromEntries(rows)).toEqual({
      "Next teardown": "destroy in 29m30s (idle, at 2026-12-01T10:00:00.000Z)",
      CPU: "12.5 %, load 0.50 0.25 0.00",
      Memory: "1.0 GB of 4.0 GB (25 %)",
      Disk: "5.0 GB of 20.0 GB (25 %)",
    });
  });
  it("says so when no teardown is scheduled, and adds nothing without --detailed data", () => {
    const idle = {
      idle_seconds: 0,
      idle_timeout_seconds: 0,
      deadline: null,
      deadline_reason: null,
      seconds_until_deadline: null,
      teardown: "poweroff",
    };
    expect(detailRows({ status, idle })).toEqual([["Next teardown", "none scheduled"]]);
    expect(detailRows({ status })).toEqual([]);
  });
});
