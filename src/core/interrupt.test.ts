import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { onInterrupt } from "./interrupt.ts";

describe("onInterrupt", () => {
  it("aborts on SIGTERM or SIGINT, remembers the first, and removes its listeners", () => {
    const proc = new EventEmitter() as unknown as NodeJS.Process;
    const i = onInterrupt(proc);
    expect(i.signal.aborted).toBe(false);
    proc.emit("SIGTERM");
    proc.emit("SIGINT");
    expect(i.signal.aborted).toBe(true);
    expect(i.received()).toBe("SIGTERM");
    i.dispose();
    expect((proc as unknown as EventEmitter).listenerCount("SIGINT")).toBe(0);
    expect((proc as unknown as EventEmitter).listenerCount("SIGTERM")).toBe(0);
  });
});
