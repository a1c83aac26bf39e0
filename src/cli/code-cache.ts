/**
 * Loads spuff's own CLI bundles (dist/cli/*.cjs) with a V8 code cache, so a command does not parse
 * and compile the same JavaScript again on every run (Node 20 has no module.enableCompileCache).
 * The cache of a bundle is what V8 compiled while the previous command ran, written when that
 * process exits.
 *
 * A cache file is used only when every check passes, else the bundle compiles as without a cache
 * and the file is written again at exit:
 * - it is named by the bundle's content hash from the build (dist/cli/bundle-ids.json), so another
 *   build's or version's cache is never read for these bytes;
 * - its header repeats the bundle's size and mtime (a bundle edited after the build is a miss) and
 *   the CRC-32 and length of the data (a truncated or damaged file is a miss: V8 itself checks its
 *   version and flags but, in release builds, not the data);
 * - it is a regular file of ours, mode 0600, in a directory of ours, mode 0700 (it is code);
 * - V8 accepts it (`cachedDataRejected`).
 * Nothing here can fail a command: any error means "no cache".
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import vm from "node:vm";

const require = createRequire(typeof __filename === "string" ? __filename : import.meta.url);

const MAGIC = "spuff-v8-cache 1\n";
/** Cache files not written for this long belong to builds no longer run: removed on a write. */
const STALE_MS = 30 * 24 * 3600 * 1000;
const MAX_PRUNE_SCAN = 500;

export interface BundleLoaderOptions {
  /** The directory whose *.cjs files load through this loader (dist/cli). */
  root: string;
  /** Content id per bundle, relative to root with "/" (from the build); a bundle without one is not cached. */
  ids: Record<string, string>;
  /** Where cache files live; undefined: compile without a cache. */
  cacheDir: string | undefined;
  now?: () => number;
}

export interface BundleLoader {
  /** require() for a bundle under root: runs it once, returns its exports. */
  load(file: string): unknown;
  /** Write the caches that were missing or rejected (at process exit). */
  flush(): void;
  /** What happened per bundle, for tests and `SPUFF_LOG=debug`-free inspection. */
  readonly events: { file: string; cache: "hit" | "miss" | "rejected" | "off" }[];
}

interface SourceStat {
  size: number;
  mtimeMs: number;
}

interface Pending {
  script: vm.Script;
  cacheFile: string;
  stat: SourceStat;
}

/** The wrapper Node's CommonJS loader uses, so a bundle sees the same five names. */
const wrap = (source: string) =>
  `(function (exports, require, module, __filename, __dirname) { ${source}\n});`;

export function createBundleLoader(opts: BundleLoaderOptions): BundleLoader {
  const root = path.resolve(opts.root);
  const modules = new Map<string, { exports: unknown }>();
  const pending: Pending[] = [];
  const events: BundleLoader["events"] = [];
  const dir = opts.cacheDir !== undefined && usableDir(opts.cacheDir) ? opts.cacheDir : undefined;

  /** Relative requires of another bundle under root come back here; everything else is Node's. */
  const requireFor = (file: string) => {
    const base = createRequire(file);
    const own = (id: string) => {
      if ((id.startsWith("./") || id.startsWith("../")) && id.endsWith(".cjs")) {
        const target = path.resolve(path.dirname(file), id);
        if (target.startsWith(root + path.sep)) return load(target);
      }
      return base(id);
    };
    return Object.assign(own, { resolve: base.resolve, cache: base.cache, main: base.main });
  };

  function load(file: string): unknown {
    const known = modules.get(file);
    if (known) return known.exports;
    const { source, stat } = readSource(file);
    const id = opts.ids[path.relative(root, file).split(path.sep).join("/")];
    const cacheFile = dir && id && /^[0-9a-f]{16,64}$/.test(id) ? path.join(dir, `${id}.bin`) : undefined;
    const cached = cacheFile ? readCache(cacheFile, stat) : undefined;
    const script = new vm.Script(wrap(source), { filename: file, cachedData: cached });
    const outcome = !cacheFile ? "off" : !cached ? "miss" : script.cachedDataRejected ? "rejected" : "hit";
    events.push({ file, cache: outcome });
    if (cacheFile && outcome !== "hit") pending.push({ script, cacheFile, stat });
    const module = { exports: {} as unknown, id: file, filename: file, loaded: false };
    modules.set(file, module);
    try {
      const fn = script.runInThisContext() as (...a: unknown[]) => void;
      fn.call(module.exports, module.exports, requireFor(file), module, file, path.dirname(file));
    } catch (err) {
      modules.delete(file); // as Node does: a bundle that threw is loaded again on the next require
      throw err;
    }
    module.loaded = true;
    return module.exports;
  }

  function flush(): void {
    if (!dir || pending.length === 0) return;
    const now = opts.now?.() ?? Date.now();
    for (const p of pending.splice(0)) {
      try {
        writeCache(p.cacheFile, p.stat, p.script.createCachedData());
      } catch {
        // A full disk or a read-only cache dir: the next run compiles, as this one did.
      }
    }
    prune(dir, now);
  }

  return { load, flush, events };
}

function readSource(file: string): { source: string; stat: SourceStat } {
  const fd = fs.openSync(file, "r");
  try {
    const st = fs.fstatSync(fd);
    return { source: fs.readFileSync(fd, "utf8"), stat: { size: st.size, mtimeMs: st.mtimeMs } };
  } finally {
    fs.closeSync(fd);
  }
}

const ownUid = () => (typeof process.getuid === "function" ? process.getuid() : undefined);

/** The cache directory, created 0700; used only if it is a real directory of ours that only we can open. */
function usableDir(dir: string): boolean {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = fs.lstatSync(dir);
    const uid = ownUid();
    return st.isDirectory() && (uid === undefined || st.uid === uid) && (st.mode & 0o077) === 0;
  } catch {
    return false;
  }
}

interface Header {
  size: number;
  mtimeMs: number;
  length: number;
  crc: number;
}

function crc32(data: Uint8Array): number {
  // zlib loads only when a cache file is read or written (Node ≥ 20.15 has crc32).
  return (require("node:zlib") as typeof import("node:zlib")).crc32(data);
}

/** The cached data, or undefined for any file that is not exactly what writeCache wrote for this source. */
export function readCache(file: string, source: SourceStat): Buffer | undefined {
  let buf: Buffer;
  try {
    const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    try {
      const st = fs.fstatSync(fd);
      const uid = ownUid();
      if (!st.isFile() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o077) !== 0) return undefined;
      buf = fs.readFileSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
  if (buf.subarray(0, MAGIC.length).toString("latin1") !== MAGIC) return undefined;
  const eol = buf.indexOf(10, MAGIC.length);
  if (eol < 0) return undefined;
  let h: Partial<Header>;
  try {
    h = JSON.parse(buf.subarray(MAGIC.length, eol).toString("utf8"));
  } catch {
    return undefined;
  }
  const data = buf.subarray(eol + 1);
  if (h.size !== source.size || h.mtimeMs !== source.mtimeMs || h.length !== data.length) return undefined;
  return h.crc === crc32(data) ? data : undefined;
}

/** Atomically (a sibling temp file renamed over), 0600; no fsync: a torn file fails the CRC. */
export function writeCache(file: string, source: SourceStat, data: Buffer): void {
  const header: Header = {
    size: source.size,
    mtimeMs: source.mtimeMs,
    length: data.length,
    crc: crc32(data),
  };
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
  try {
    fs.writeSync(fd, `${MAGIC}${JSON.stringify(header)}\n`);
    fs.writeSync(fd, data);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** Removes cache files (and leftover temp files) nobody wrote for STALE_MS: old builds' caches. */
function prune(dir: string, now: number): void {
  try {
    for (const name of fs.readdirSync(dir).slice(0, MAX_PRUNE_SCAN)) {
      if (!name.endsWith(".bin") && !name.endsWith(".tmp")) continue;
      const f = path.join(dir, name);
      if (now - fs.lstatSync(f).mtimeMs > STALE_MS) fs.rmSync(f, { force: true });
    }
  } catch {
    // Pruning is housekeeping only.
  }
}
