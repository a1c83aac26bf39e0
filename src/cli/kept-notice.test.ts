import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { keptNotices } from "./kept-notice.ts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-kept-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function put(name: string, body: unknown) {
  fs.mkdirSync(path.join(dir, name), { recursive: true });
  fs.writeFileSync(
    path.join(dir, name, "unsaved.json"),
    typeof body === "string" ? body : JSON.stringify(body),
  );
}

describe("keptNotices", () => {
  it("one line per kept machine with what is unsaved and its price; others, broken or hostile files are harmless", () => {
    put("box", {
      lines: ["workspace/api: 1 unpushed commit"],
      kept: true,
      at: "2026-01-01T10:00:00.000Z",
      price_hourly: { amount: 0.0298, currency: "USD" },
    });
    put("clean", { lines: ["workspace/x: 1 stash"], kept: false });
    put("broken", "{not json");
    put("evil", {
      lines: ["\u001b[2Jgone"],
      kept: true,
      price_hourly: { amount: "\u001b[31m", currency: 1 },
    });
    fs.mkdirSync(path.join(dir, "nofile"));
    const lines = keptNotices(dir).sort();
    expect(lines).toEqual([
      "spuff: box is kept running for unsaved work (as of 2026-01-01 10:00 UTC), 0.0298 USD/h: workspace/api: 1 unpushed commit (spuff status box)",
      "spuff: evil is kept running for unsaved work: \\u001b[2Jgone (spuff status evil)",
    ]);
    expect(keptNotices(path.join(dir, "missing"))).toEqual([]);
  });
});
