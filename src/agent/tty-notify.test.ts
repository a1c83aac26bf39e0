/**
 * The warning reaches terminals only: in a folder standing in for /dev/pts, a regular file, a
 * symlink to a device and a non-terminal name are left alone, and then `wall` is asked instead.
 * (Real terminals are written in test/e2e/spot-interruption.test.ts, where an SSH session's
 * terminal shows the warning.)
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { notifyUsers, writeToTerminals } from "./tty-notify.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe("notifyUsers", () => {
  it("writes no regular file, follows no symlink, and falls back to wall", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-pts-"));
    dirs.push(dir);
    const target = path.join(dir, "target");
    fs.writeFileSync(target, "");
    fs.writeFileSync(path.join(dir, "0"), "");
    fs.symlinkSync(target, path.join(dir, "1"));
    fs.symlinkSync("/dev/null", path.join(dir, "2"));
    fs.writeFileSync(path.join(dir, "ptmx"), "");
    expect(await writeToTerminals(dir, "hello")).toBe(0);
    expect(fs.readFileSync(target, "utf8")).toBe("");
    expect(fs.readFileSync(path.join(dir, "0"), "utf8")).toBe("");
    const walled: string[] = [];
    await notifyUsers(dir, async (m) => void walled.push(m))("AWS is reclaiming");
    expect(walled).toEqual(["AWS is reclaiming"]);
    expect(await writeToTerminals(path.join(dir, "missing"), "x")).toBe(0);
  });
});
