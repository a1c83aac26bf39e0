import { describe, expect, it } from "vitest";
import { renderAgentBody } from "./agent.ts";

describe("spuff agent: human rendering of raw endpoint bodies", () => {
  it("records as key/value rows, nested values as JSON", () => {
    expect(renderAgentBody({ uptime_seconds: 12, hostname: "box", load_average: [0.1, 0, 0] })).toBe(
      "uptime_seconds  12\nhostname        box\nload_average    [0.1,0,0]\n",
    );
  });
  it("/processes as a table, /logs as its lines, an empty list as (none)", () => {
    expect(
      renderAgentBody([
        { pid: 1, name: "systemd", cpu_percent: 0.1 },
        { pid: 42, name: "node", cpu_percent: 3 },
      ]),
    ).toBe("PID   NAME      CPU_PERCENT\n1     systemd   0.1\n42    node      3\n");
    expect(renderAgentBody({ lines: ["a", "b"] })).toBe("a\nb\n");
    expect(renderAgentBody([])).toBe("(none)\n");
  });
  it("a hostile process name cannot reach the terminal as escape codes", () => {
    const out = renderAgentBody([{ pid: 7, name: "\u001b]0;owned\u0007\u001b[2Jx" }]);
    expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(out).toContain("\\u001b]0;owned");
    expect(renderAgentBody({ "k\u001b[31m": "v\r" })).not.toMatch(/[\u001b\r]/);
  });
});
