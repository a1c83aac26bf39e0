import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createTestIO } from "../core/io.ts";
import type { PhaseEvent } from "../up/phases.ts";
import { ndjsonProgress, plainProgress, progressMode } from "./up-progress.ts";
import { ttyProgress } from "./up-progress-tty.ts";

const run: PhaseEvent[] = [
  { phase: "generate_cloud_config", status: "start" },
  { phase: "generate_cloud_config", status: "done", ms: 3, detail: "6000 bytes of user-data" },
  { phase: "create_instance", status: "start" },
  { phase: "create_instance", status: "done", ms: 1234, detail: "id 42" },
  { phase: "wait_ready", status: "start" },
  { phase: "wait_ready", status: "done", ms: 500.4, detail: "127.0.0.9" },
  { phase: "wait_ssh", status: "start" },
  { phase: "wait_ssh", status: "done", ms: 800 },
  { phase: "login", status: "start" },
  { phase: "login", status: "done", ms: 90 },
  { phase: "rotate_host_key", status: "start" },
  { phase: "rotate_host_key", status: "done", ms: 70 },
  { phase: "upload_agent", status: "start" },
  { phase: "upload_agent", status: "done", ms: 120 },
  { phase: "wait_cloud_init", status: "start" },
  { phase: "wait_cloud_init", status: "progress", detail: "Setting up git (1:2.39.5-0+deb12u2) ..." },
];

/** A stream that says it is a 100-column terminal and keeps everything written to it. */
function fakeTty(): { stream: NodeJS.WriteStream; text(): string } {
  let buf = "";
  const w = new Writable({
    write(chunk, _enc, cb) {
      buf += chunk.toString();
      cb();
    },
  });
  Object.assign(w, { isTTY: true, columns: 100, rows: 40 });
  return { stream: w as unknown as NodeJS.WriteStream, text: () => buf };
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));
const plain = (s: string) => s.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "");

describe("progressMode", () => {
  it("json wins; a colour terminal gets the task list; anything else plain lines", () => {
    const io = createTestIO();
    expect(progressMode({ json: true, io: { ...io, color: true } })).toBe("json");
    expect(progressMode({ json: false, io: { ...io, color: true, columns: 100 } })).toBe("tty");
    // color is false when NO_COLOR is set or stderr is not a TTY (core/io.ts).
    expect(progressMode({ json: false, io: { ...io, color: false, columns: 100 } })).toBe("plain");
    expect(progressMode({ json: false, io: { ...io, color: true, columns: 0 } })).toBe("plain");
  });
});

describe("plain progress", () => {
  it("prints one line per finished or failed phase, with whole milliseconds, and no progress lines", () => {
    const io = createTestIO();
    const p = plainProgress(io.err);
    for (const e of run) p.onEvent(e);
    p.onEvent({ phase: "wait_cloud_init", status: "failed", ms: 61_000.7, detail: "Timed out" });
    expect(io.stderr().split("\n")).toEqual([
      "✓ generate_cloud_config 3 ms  6000 bytes of user-data",
      "✓ create_instance 1234 ms  id 42",
      "✓ wait_ready 500 ms  127.0.0.9",
      "✓ wait_ssh 800 ms",
      "✓ login 90 ms",
      "✓ rotate_host_key 70 ms",
      "✓ upload_agent 120 ms",
      "✗ wait_cloud_init 61001 ms  Timed out",
      "",
    ]);
    expect(io.stdout()).toBe("");
  });
});

describe("NDJSON progress", () => {
  it("writes every event, progress included, as one JSON object a line on stdout", () => {
    const io = createTestIO();
    const p = ndjsonProgress(io.out);
    for (const e of run) p.onEvent(e);
    const lines = io.stdout().trim().split("\n");
    expect(lines).toHaveLength(run.length);
    expect(lines.map((l) => JSON.parse(l))).toEqual(run.map((e) => ({ event: "phase", ...e })));
    expect(JSON.parse(lines[7] as string)).toEqual({
      event: "phase",
      phase: "wait_ssh",
      status: "done",
      ms: 800,
    });
  });
});

describe("terminal progress (listr2 on a fake TTY)", () => {
  it("redraws the list with phase times and shows cloud-init's last line under the running phase", async () => {
    const tty = fakeTty();
    const p = ttyProgress(tty.stream);
    for (const e of run) {
      p.onEvent(e);
      await tick(5);
    }
    await tick(150); // a redraw after the progress event
    const live = plain(tty.text());
    expect(live).toContain("Create instance (1.2s)");
    expect(live).toContain("Wait until active (0.5s)");
    expect(live).toContain("Setting up git (1:2.39.5-0+deb12u2) ...");
    // Redrawn in place: log-update moves the cursor up and clears lines.
    expect(tty.text()).toMatch(/\u001b\[1A/);
    p.onEvent({ phase: "wait_cloud_init", status: "done", ms: 4321, detail: "status done, no errors" });
    p.onEvent({ phase: "start_agent", status: "start" });
    p.onEvent({ phase: "start_agent", status: "done", ms: 250 });
    await p.end();
    const final = plain(tty.text());
    expect(final).toContain("Wait for cloud-init (4.3s)");
    expect(final).toContain("Start agent (0.3s)");
  });

  it("marks the failing phase with its time and error, and end() returns", async () => {
    const tty = fakeTty();
    const p = ttyProgress(tty.stream);
    for (const e of run.slice(0, 7)) p.onEvent(e);
    p.onEvent({ phase: "wait_ssh", status: "failed", ms: 2500, detail: "Timed out after 2.5s" });
    await p.end();
    const out = plain(tty.text());
    expect(out).toContain("✖ Wait for SSH (2.5s)");
    expect(out).toContain("Timed out after 2.5s");
  });

  it("end() without a settling event (an interruption) stops the list instead of hanging", async () => {
    const tty = fakeTty();
    const p = ttyProgress(tty.stream);
    p.onEvent({ phase: "generate_cloud_config", status: "start" });
    await tick(20);
    await p.end();
    expect(plain(tty.text())).toContain("Generate cloud-config");
  });
});
