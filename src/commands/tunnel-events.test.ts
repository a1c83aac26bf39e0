/** tunnel --auto's lines: one per change; a hostile process name cannot drive the terminal. */
import { describe, expect, it } from "vitest";
import { createTestIO } from "../core/io.ts";
import { eventWriter, humanLine, type TunnelEvent } from "./tunnel-events.ts";

const HOSTILE = 'x"\u001b]0;owned\u0007\u001b[2J\n\r\u009b';
const fwd: TunnelEvent = {
  event: "forward",
  name: "box",
  remote: 8123,
  remote_host: "127.0.0.1",
  local: 8123,
  local_host: "127.0.0.1",
  source: "auto",
  pid: 42,
  command: HOSTILE,
};

describe("tunnel --auto events", () => {
  it("human lines escape every control character of a VM-chosen name", () => {
    const { text, stream } = humanLine(fwd);
    expect(stream).toBe("out");
    expect(text).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(text).toBe(
      '+ 127.0.0.1:8123 → box:8123 (x"\\u001b]0;owned\\u0007\\u001b[2J\\u000a\\u000d\\u009b, pid 42)',
    );
    expect(humanLine({ ...fwd, source: "project", command: undefined }).text).toBe(
      "+ 127.0.0.1:8123 → box:8123 (spuff.yaml)",
    );
    expect(
      humanLine({ event: "drop", name: "box", remote: 8123, local: 8124, local_host: "127.0.0.1" }),
    ).toEqual({
      stream: "out",
      text: "- 127.0.0.1:8124 → box:8123 (no longer listening)",
    });
    const r = humanLine({
      event: "reconnecting",
      name: "box",
      attempt: 2,
      of: 6,
      delay_ms: 2000,
      reason: `a\u001bb`,
    });
    expect(r).toEqual({
      stream: "err",
      text: "Lost the connection to box (a\\u001bb); reconnecting in 2 s (attempt 2 of 6).",
    });
  });

  it("--json: one object per line on stdout, the name intact after parsing", () => {
    const io = createTestIO();
    const write = eventWriter(io, true);
    write(fwd);
    write({ event: "reconnected", name: "box" });
    const lines = io.stdout().split("\n").filter(Boolean);
    expect(lines).toHaveLength(2);
    expect(io.stdout()).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    expect(JSON.parse(lines[0] as string)).toEqual(fwd);
    expect(io.stderr()).toBe("");
  });
});
