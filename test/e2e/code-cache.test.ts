/** The real binary with its V8 code cache (src/cli/code-cache.ts): written safely, never trusted blindly. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { runSpuff } from "../helpers/cli.ts";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-e2e-cc-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const cacheDir = () => path.join(dir, "cache", "v8");
const spuff = (args: string[], env: Record<string, string> = {}) =>
  runSpuff(args, { configDir: dir, env: { SPUFF_CACHE_DIR: path.join(dir, "cache"), ...env } });
const files = () => (fs.existsSync(cacheDir()) ? fs.readdirSync(cacheDir()).sort() : []);

it("is written 0600 in a 0700 dir, and damaged files change nothing but are written again", async () => {
  const first = await spuff(["list", "--json"]);
  expect(first).toMatchObject({ code: 0, stdout: "[]\n" });
  // The program and the bundles `list` loaded, each under its content hash.
  const written = files();
  expect(written.length).toBeGreaterThanOrEqual(3);
  expect(fs.statSync(cacheDir()).mode & 0o777).toBe(0o700);
  for (const f of written) {
    expect(f).toMatch(/^[0-9a-f]{32}\.bin$/);
    expect(fs.statSync(path.join(cacheDir(), f)).mode & 0o777).toBe(0o600);
  }
  // Bytes flipped inside the compiled code: V8 would not notice (release builds skip its checksum)
  // and would run, or crash on, what it deserialised.
  const damaged = new Map<string, Buffer>();
  for (const f of written) {
    const bad = fs.readFileSync(path.join(cacheDir(), f));
    for (let i = 200; i < bad.length; i += 97) bad[i] = (bad[i] ?? 0) ^ 0x5a;
    fs.writeFileSync(path.join(cacheDir(), f), bad);
    damaged.set(f, bad);
  }
  const again = await spuff(["list", "--json"]);
  expect(again).toEqual(first);
  for (const f of written) {
    const now = fs.readFileSync(path.join(cacheDir(), f));
    expect(now.subarray(0, 17).toString()).toBe("spuff-v8-cache 1\n");
    expect(now.equals(damaged.get(f) as Buffer)).toBe(false); // replaced by a good copy
  }
  expect(await spuff(["list", "--json"])).toEqual(first);
});

it("SPUFF_CODE_CACHE=off writes nothing", async () => {
  expect(await spuff(["list", "--json"], { SPUFF_CODE_CACHE: "off" })).toMatchObject({
    code: 0,
    stdout: "[]\n",
  });
  expect(files()).toEqual([]);
});
