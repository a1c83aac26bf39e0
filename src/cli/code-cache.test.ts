import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import vm from "node:vm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createBundleLoader, writeCache } from "./code-cache.ts";

let tmp: string;
let root: string;
let cacheDir: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-codecache-"));
  root = path.join(tmp, "dist");
  cacheDir = path.join(tmp, "cache", "v8");
  fs.mkdirSync(path.join(root, "sub"), { recursive: true });
  // A program bundle that loads a lazy bundle the way esbuild's output does, and a builtin.
  fs.writeFileSync(
    path.join(root, "main.cjs"),
    [
      'const p = require("node:path");',
      "let n = 0;",
      "function count(x) { n += x; return n; }",
      'module.exports = { count, sub: () => require("./sub/b.cjs"), here: p.basename(__filename), dir: __dirname };',
    ].join("\n"),
  );
  fs.writeFileSync(
    path.join(root, "sub/b.cjs"),
    'exports.twice = (x) => x * 2; exports.main = require("../main.cjs");',
  );
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const IDS = { "main.cjs": "aa".repeat(16), "sub/b.cjs": "bb".repeat(16) };
const cacheFile = (rel: keyof typeof IDS) => path.join(cacheDir, `${IDS[rel]}.bin`);

function flip(b: Buffer, at: number): Buffer {
  b[at] = (b[at] ?? 0) ^ 0xff;
  return b;
}

type Main = {
  count(x: number): number;
  sub(): { twice(x: number): number; main: unknown };
  here: string;
  dir: string;
};

function run(ids: Record<string, string> = IDS) {
  const loader = createBundleLoader({ root, ids, cacheDir });
  const main = loader.load(path.join(root, "main.cjs")) as Main;
  expect(main.count(2)).toBe(2);
  expect(main.count(3)).toBe(5);
  const sub = main.sub();
  expect(sub.twice(21)).toBe(42);
  expect(sub.main).toBe(main); // one instance per bundle, as Node's require
  expect([main.here, main.dir]).toEqual(["main.cjs", root]);
  loader.flush();
  return loader.events.map((e) => [path.relative(root, e.file), e.cache]);
}

/** One CLI-like run in a new node process: load main, its lazy bundle, flush; the cache outcomes. */
function runFresh(): string[] {
  const script = [
    `const { createBundleLoader } = await import(${JSON.stringify(path.join(import.meta.dirname, "code-cache.ts"))});`,
    `const l = createBundleLoader({ root: ${JSON.stringify(root)}, ids: ${JSON.stringify(IDS)}, cacheDir: ${JSON.stringify(cacheDir)} });`,
    `const m = l.load(${JSON.stringify(path.join(root, "main.cjs"))});`,
    "if (m.count(2) !== 2 || m.sub().twice(4) !== 8) throw new Error('wrong result');",
    "l.flush();",
    "console.log(JSON.stringify(l.events.map((e) => e.cache)));",
  ].join("\n");
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    encoding: "utf8",
    timeout: 20_000,
  });
  expect(r.stderr).toBe("");
  return JSON.parse(r.stdout);
}

describe("the V8 code cache of the CLI bundles", () => {
  it("is written 0600 in a 0700 dir on the first run and used on the next", () => {
    expect(run()).toEqual([
      ["main.cjs", "miss"],
      ["sub/b.cjs", "miss"],
    ]);
    expect(fs.statSync(cacheDir).mode & 0o777).toBe(0o700);
    for (const f of ["main.cjs", "sub/b.cjs"] as const)
      expect(fs.statSync(cacheFile(f)).mode & 0o777).toBe(0o600);
    expect(run()).toEqual([
      ["main.cjs", "hit"],
      ["sub/b.cjs", "hit"],
    ]);
  });

  it.each([
    ["a flipped byte in the data", (b: Buffer) => flip(b, b.length - 40)],
    ["a truncated file", (b: Buffer) => b.subarray(0, b.length - 100)],
    ["garbage", () => Buffer.from("not a cache at all\n{}")],
    ["an empty file", () => Buffer.alloc(0)],
    [
      "another header",
      (b: Buffer) => Buffer.from(b.toString("latin1").replace('"crc":', '"crc":1'), "latin1"),
    ],
  ])("%s is ignored, the bundle compiles from source and the file is written again", (_what, damage) => {
    run();
    const good = fs.readFileSync(cacheFile("main.cjs"));
    fs.writeFileSync(cacheFile("main.cjs"), damage(Buffer.from(good)));
    expect(run()).toEqual([
      ["main.cjs", "miss"],
      ["sub/b.cjs", "hit"],
    ]);
    expect(run()).toEqual([
      ["main.cjs", "hit"],
      ["sub/b.cjs", "hit"],
    ]);
  });

  it("another build's bundle (another content id) never reads this one's cache", () => {
    run();
    const next = { "main.cjs": "cc".repeat(16), "sub/b.cjs": IDS["sub/b.cjs"] };
    expect(run(next)).toEqual([
      ["main.cjs", "miss"],
      ["sub/b.cjs", "hit"],
    ]);
    expect(fs.existsSync(path.join(cacheDir, `${"cc".repeat(16)}.bin`))).toBe(true);
  });

  it("a bundle edited after the build (same id) is a miss, and its new code runs", () => {
    run();
    const file = path.join(root, "sub/b.cjs");
    fs.writeFileSync(file, 'exports.twice = (x) => x + x; exports.main = require("../main.cjs");');
    fs.utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect(run()).toEqual([
      ["main.cjs", "hit"],
      ["sub/b.cjs", "miss"],
    ]);
  });

  it("in a fresh process V8 takes the data; data it rejects (made for other source) is written again", () => {
    // In this process V8 may answer from its own compilation cache: only a new process shows
    // whether the data itself was accepted.
    expect(runFresh()).toEqual(["miss", "miss"]);
    expect(runFresh()).toEqual(["hit", "hit"]);
    const st = fs.statSync(path.join(root, "main.cjs"));
    // A well-formed file with the right header for this bundle, holding another script's code.
    const other = new vm.Script("(function () { return 'something else entirely'; });");
    writeCache(cacheFile("main.cjs"), { size: st.size, mtimeMs: st.mtimeMs }, other.createCachedData());
    expect(runFresh()).toEqual(["rejected", "hit"]);
    expect(runFresh()).toEqual(["hit", "hit"]);
  }, 30_000);

  it("is not used in a directory others can write, nor through a symlink", () => {
    run();
    fs.chmodSync(cacheDir, 0o777);
    expect(run()).toEqual([
      ["main.cjs", "off"],
      ["sub/b.cjs", "off"],
    ]);
    fs.chmodSync(cacheDir, 0o700);
    const elsewhere = path.join(tmp, "elsewhere.bin");
    fs.renameSync(cacheFile("main.cjs"), elsewhere);
    fs.symlinkSync(elsewhere, cacheFile("main.cjs"));
    expect(run()[0]).toEqual(["main.cjs", "miss"]);
    expect(fs.lstatSync(cacheFile("main.cjs")).isSymbolicLink()).toBe(false); // replaced, not written through
  });

  it("a cache file others can read is not trusted", () => {
    run();
    fs.chmodSync(cacheFile("main.cjs"), 0o644);
    expect(run()[0]).toEqual(["main.cjs", "miss"]);
    expect(fs.statSync(cacheFile("main.cjs")).mode & 0o777).toBe(0o600);
  });

  it("bundles without an id, or no cache dir, compile as Node would and write nothing", () => {
    expect(run({})).toEqual([
      ["main.cjs", "off"],
      ["sub/b.cjs", "off"],
    ]);
    expect(fs.readdirSync(cacheDir)).toEqual([]);
    const loader = createBundleLoader({ root, ids: IDS, cacheDir: undefined });
    expect((loader.load(path.join(root, "main.cjs")) as Main).count(1)).toBe(1);
    loader.flush();
    expect(loader.events.map((e) => e.cache)).toEqual(["off"]);
  });

  it("a bundle that throws is not kept half-loaded", () => {
    fs.writeFileSync(path.join(root, "sub/b.cjs"), 'throw new Error("boom");');
    const loader = createBundleLoader({ root, ids: IDS, cacheDir });
    const main = loader.load(path.join(root, "main.cjs")) as Main;
    expect(() => main.sub()).toThrow("boom");
    expect(() => main.sub()).toThrow("boom");
  });

  it("removes cache files nobody wrote for 30 days when it writes", () => {
    fs.mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
    const old = path.join(cacheDir, `${"dd".repeat(16)}.bin`);
    fs.writeFileSync(old, "x", { mode: 0o600 });
    const long = new Date(Date.now() - 31 * 24 * 3600 * 1000);
    fs.utimesSync(old, long, long);
    run();
    expect(fs.existsSync(old)).toBe(false);
    expect(fs.existsSync(cacheFile("main.cjs"))).toBe(true);
  });
});
