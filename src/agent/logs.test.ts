import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { HttpError } from "./http.ts";
import { parseLines, readLogTail } from "./logs.ts";

const top = realpathSync(mkdtempSync(path.join(os.tmpdir(), "spuff-logs-")));
const root = path.join(top, "log");
mkdirSync(path.join(root, "sub"), { recursive: true });
writeFileSync(path.join(top, "secret"), "TOP-SECRET\n");
writeFileSync(
  path.join(root, "app.log"),
  Array.from({ length: 50 }, (_, i) => `line ${i + 1}`).join("\n") + "\n",
);
writeFileSync(path.join(root, "sub", "x.log"), "x\n");
symlinkSync(path.join(top, "secret"), path.join(root, "escape.log"));
symlinkSync(top, path.join(root, "dirlink"));
symlinkSync(path.join(root, "app.log"), path.join(root, "inside.log"));
execFileSync("mkfifo", [path.join(root, "fifo")]);
afterAll(() => rmSync(top, { recursive: true, force: true }));

async function status(file: string): Promise<number | string> {
  try {
    return (await readLogTail(root, file, 1)).join("\n");
  } catch (e) {
    if (e instanceof HttpError) return e.status;
    throw e;
  }
}

describe("readLogTail confinement", () => {
  it("serves regular files under the root, following symlinks that stay inside", async () => {
    expect(await status(path.join(root, "app.log"))).toBe("line 50");
    expect(await status(path.join(root, "sub/x.log"))).toBe("x");
    expect(await status(path.join(root, "inside.log"))).toBe("line 50");
  });

  it("rejects traversal, relative paths, symlink escapes, non-regular files and missing files", async () => {
    expect(await status(`${root}/../secret`)).toBe(403);
    expect(await status(`${root}/sub/../../secret`)).toBe(403);
    expect(await status("secret")).toBe(403);
    expect(await status(`${root}/app.log\0`)).toBe(403);
    expect(await status(path.join(top, "secret"))).toBe(403);
    expect(await status(`${root}x/app.log`)).toBe(403);
    expect(await status(path.join(root, "escape.log"))).toBe(403);
    expect(await status(path.join(root, "dirlink/secret"))).toBe(403);
    expect(await status(path.join(root, "fifo"))).toBe(403);
    expect(await status(path.join(root, "sub"))).toBe(403);
    expect(await status(path.join(root, "nope.log"))).toBe(404);
  });
});

describe("readLogTail / parseLines", () => {
  it("returns the last N lines", async () => {
    expect(await readLogTail(root, path.join(root, "app.log"), 3)).toEqual(["line 48", "line 49", "line 50"]);
    expect(await readLogTail(root, path.join(root, "app.log"), 1000)).toHaveLength(50);
  });

  it("reads only the tail of a big file", async () => {
    const big = path.join(root, "big.log");
    writeFileSync(big, Array.from({ length: 100_000 }, (_, i) => `entry ${i}`).join("\n"));
    const lines = await readLogTail(root, big, 2);
    expect(lines).toEqual(["entry 99998", "entry 99999"]);
  });

  it("defaults to 100, caps at 10000, rejects junk", () => {
    expect(parseLines(null)).toBe(100);
    expect(parseLines("20")).toBe(20);
    expect(parseLines("99999999")).toBe(10_000);
    expect(() => parseLines("-1")).toThrow(HttpError);
    expect(() => parseLines("1e3")).toThrow(HttpError);
  });
});
