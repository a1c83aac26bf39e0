import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { HttpError } from "./http.ts";
import { parseOffset, readLogFrom, readLogTailAt } from "./logs.ts";

const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), "spuff-logoff-")));
const root = path.join(dir, "log");
mkdirSync(root);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const burst = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => `line ${from + i} ${"x".repeat((from + i) % 97)}`);

/** Reads from `offset` until nothing more, like the CLI's poll loop. */
async function drain(file: string, offset: number, maxBytes: number) {
  const out: string[] = [];
  let resets = 0;
  for (let i = 0; i < 10_000; i++) {
    const c = await readLogFrom(root, file, offset, maxBytes);
    out.push(...c.lines);
    if (c.reset) resets++;
    offset = c.offset;
    if (!c.more) break;
  }
  return { out, offset, resets };
}

describe("readLogFrom", () => {
  it("a 5000-line burst after the tail arrives once, in order, across many small chunks", async () => {
    const file = path.join(root, "burst.log");
    writeFileSync(file, `${burst(0, 10).join("\n")}\n`);
    const tail = await readLogTailAt(root, file, 3);
    expect(tail.lines).toEqual(burst(7, 3));
    const lines = burst(10, 5000);
    appendFileSync(file, `${lines.join("\n")}\n`);
    const { out, resets } = await drain(file, tail.offset, 4096);
    expect(resets).toBe(0);
    expect(out).toEqual(lines);
  });

  it("holds back a line until its newline arrives, then gives it whole", async () => {
    const file = path.join(root, "partial.log");
    writeFileSync(file, "a\nb");
    const tail = await readLogTailAt(root, file, 10);
    expect(tail).toEqual({ lines: ["a", "b"], offset: 2, partial: true });
    const first = await readLogFrom(root, file, tail.offset);
    expect(first.lines).toEqual([]);
    expect(first.offset).toBe(2);
    appendFileSync(file, "cd\ne\n");
    expect((await readLogFrom(root, file, 2)).lines).toEqual(["bcd", "e"]);
  });

  it("an offset past the end (truncated or replaced file) restarts from 0 and says so", async () => {
    const file = path.join(root, "rot.log");
    writeFileSync(file, "old 1\nold 2\nold 3\n");
    const end = (await readLogTailAt(root, file, 1)).offset;
    truncateSync(file, 0);
    writeFileSync(file, "new 1\n");
    const c = await readLogFrom(root, file, end);
    expect(c).toMatchObject({ reset: true, from: 0, lines: ["new 1"], offset: 6, more: false });
  });

  it("a line longer than a chunk is handed over in pieces, none lost", async () => {
    const file = path.join(root, "long.log");
    const long = "y".repeat(10_000);
    writeFileSync(file, `${long}\nz\n`);
    const { out } = await drain(file, 0, 4096);
    expect(out.join("")).toBe(`${long}z`);
  });

  it("keeps the same confinement as the tail: symlink out, .., relative paths", async () => {
    writeFileSync(path.join(dir, "secret.txt"), "SECRET\n");
    symlinkSync(path.join(dir, "secret.txt"), path.join(root, "escape.log"));
    for (const bad of [
      path.join(root, "escape.log"),
      `${root}/../secret.txt`,
      "secret.txt",
      path.join(dir, "secret.txt"),
    ]) {
      const err = await readLogFrom(root, bad, 0).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HttpError);
      expect((err as HttpError).status).toBe(403);
    }
  });

  it("parseOffset takes only a plain non-negative integer", () => {
    expect(parseOffset(null)).toBeUndefined();
    expect(parseOffset("0")).toBe(0);
    expect(parseOffset("123")).toBe(123);
    for (const bad of ["", "-1", "1e3", "0x10", " 1", "1.5", "9".repeat(16), "NaN"])
      expect(() => parseOffset(bad)).toThrow(HttpError);
  });
});
