/**
 * Machine images under <data>/images/<name>: a base image (`spuff image build`: a debootstrapped
 * Debian root filesystem) or a snapshot image (the changed files of a machine, layered on its
 * base). An image folder only appears by rename once complete, so a half-built one is never used.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { EMBEDDED_SCRIPTS } from "../cloudinit/scripts.generated.ts";
import { UserError } from "../core/errors.ts";
import { writeFileAtomic } from "../core/fs-atomic.ts";
import { readDirOrEmpty } from "../core/read-dir.ts";
import { assertHostCanBuildImage, type HostFacts, realHost } from "./host.ts";
import type { MachineLayout } from "./layout.ts";
import { acquirePidLock } from "./pid-lock.ts";
import { isProcessAlive } from "./procs.ts";
import { listMachineDirs } from "./records.ts";

export const DISTROS = { "debian-12": { suite: "bookworm" } } as const;
export type Distro = keyof typeof DISTROS;
export const DEFAULT_IMAGE: Distro = "debian-12";
const DEFAULT_MIRROR = "http://deb.debian.org/debian";

export interface ImageManifest {
  name: string;
  kind: "base" | "snapshot";
  distro: Distro;
  /** Snapshot images: the image their layer sits on. */
  base?: string;
  /** Snapshot images: the machine they were taken from. */
  sourceMachine?: string;
  /**
   * Snapshot images of qemu machines: the layer is `layer/disk.qcow2`, a qcow2 backed by the disk
   * of the image below it (qemu boots it; nspawn cannot). Absent: a directory layer (nspawn).
   */
  backend?: "qemu";
  createdAt: string;
  buildSeconds?: number;
  /** Snapshot images: bytes on disk, measured once when taken (a snapshot never changes). */
  sizeBytes?: number;
}

const MANIFEST = "image.json";

export function readImage(layout: MachineLayout, name: string): ImageManifest | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(layout.imageDir(name), MANIFEST), "utf8")) as ImageManifest;
  } catch {
    return undefined;
  }
}

export function listImages(layout: MachineLayout): ImageManifest[] {
  return readDirOrEmpty(layout.imagesDir)
    .filter((n) => !n.startsWith("."))
    .map((n) => readImage(layout, n))
    .filter((m): m is ImageManifest => m !== undefined)
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The manifest, or the error that says how to build it. */
export function requireImage(layout: MachineLayout, name: string): ImageManifest {
  const m = readImage(layout, name);
  if (m) return m;
  const hint =
    name in DISTROS
      ? `Build it first (≈2 min, needs Debian's mirror): spuff image build --distro ${name}`
      : `Images here: ${
          listImages(layout)
            .map((i) => i.name)
            .join(", ") || "none"
        } (spuff image list).`;
  throw new UserError("image_missing", `Local machine image ${JSON.stringify(name)} is not built.`, {
    hint,
    details: { dataDir: layout.dataDir },
  });
}

/** A qemu snapshot image's disk (its layer). */
export const qemuLayerDisk = (layout: MachineLayout, name: string) =>
  path.join(layout.imageDir(name), "layer", "disk.qcow2");

/** The chain of manifests from `name` down to its base image (at most 32 deep). */
export function manifestChain(layout: MachineLayout, name: string): ImageManifest[] {
  const chain: ImageManifest[] = [];
  let current: ImageManifest | undefined = requireImage(layout, name);
  for (let depth = 0; current && depth < 32; depth++) {
    chain.push(current);
    if (current.kind === "base") return chain;
    current = current.base ? requireImage(layout, current.base) : undefined;
  }
  throw new UserError("image_broken", `Image ${JSON.stringify(name)} has no base root filesystem.`, {
    hint: `Remove it: spuff image rm ${name}`,
  });
}

/**
 * Overlay lower layers of an image, top first: a snapshot's layer, then its base's, down to a
 * root filesystem. A qemu snapshot (a disk, not a directory) cannot be one.
 */
export function imageLayers(layout: MachineLayout, name: string): string[] {
  const layers: string[] = [];
  let current: ImageManifest | undefined = requireImage(layout, name);
  for (let depth = 0; current && depth < 32; depth++) {
    if (current.backend === "qemu") {
      throw new UserError(
        "image_backend",
        `Image ${current.name} is a snapshot of a qemu machine (a disk).`,
        {
          hint: "Boot it with the qemu backend: SPUFF_LOCAL_BACKEND=qemu.",
        },
      );
    }
    if (current.kind === "base") {
      layers.push(path.join(layout.imageDir(current.name), "rootfs"));
      return layers;
    }
    layers.push(path.join(layout.imageDir(current.name), "layer"));
    current = current.base ? requireImage(layout, current.base) : undefined;
  }
  throw new UserError("image_broken", `Image ${JSON.stringify(name)} has no base root filesystem.`, {
    hint: `Remove it: spuff image rm ${name}`,
  });
}

/** The base (root filesystem) image an image ultimately stands on. */
export function baseImageDir(layout: MachineLayout, name: string): string {
  return path.dirname(imageLayers(layout, name).at(-1) as string);
}

export interface BuildOptions {
  distro: Distro;
  mirror?: string;
  /** Rebuild even if the image exists (refused while machines use it). */
  force?: boolean;
  host?: HostFacts;
  /** Receives the build's output lines (debootstrap is chatty; the command decides what to show). */
  onOutput?: (line: string) => void;
  signal?: AbortSignal;
}

export interface BuildResult {
  manifest: ImageManifest;
  /** false when the image already existed and nothing was done. */
  built: boolean;
  logFile?: string;
}

export async function buildImage(layout: MachineLayout, o: BuildOptions): Promise<BuildResult> {
  assertHostCanBuildImage(o.host ?? realHost());
  const name = o.distro;
  const existing = readImage(layout, name);
  if (existing && !o.force) return { manifest: existing, built: false };
  if (existing) assertUnused(layout, name);

  fs.mkdirSync(layout.imagesDir, { recursive: true, mode: 0o755 });
  const releaseLock = (await takeBuildLock(layout, name)) ?? (() => {});
  try {
    removeStalePartials(layout);
    const partial = path.join(layout.imagesDir, `.partial-${name}-${process.pid}`);
    fs.rmSync(partial, { recursive: true, force: true });
    fs.mkdirSync(partial, { mode: 0o755 });
    const script = path.join(partial, "build-rootfs.sh");
    fs.writeFileSync(script, EMBEDDED_SCRIPTS["build-rootfs.sh"], { mode: 0o700 });
    const logFile = path.join(layout.imagesDir, `${name}.build.log`);
    const started = Date.now();
    try {
      await runLogged(
        "bash",
        [script, path.join(partial, "rootfs"), DISTROS[name].suite, o.mirror ?? DEFAULT_MIRROR],
        logFile,
        o,
      );
    } catch (err) {
      fs.rmSync(partial, { recursive: true, force: true });
      throw err;
    }
    fs.rmSync(script);
    const manifest: ImageManifest = {
      name,
      kind: "base",
      distro: name,
      createdAt: new Date().toISOString(),
      buildSeconds: Math.round((Date.now() - started) / 1000),
    };
    writeFileAtomic(path.join(partial, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, 0o644);
    installDir(layout, name, partial);
    return { manifest, built: true, logFile };
  } finally {
    releaseLock();
  }
}

/** Removes an image; refused while a machine or a snapshot image uses it. */
export function removeImage(layout: MachineLayout, name: string): void {
  requireImage(layout, name);
  assertUnused(layout, name);
  const dependents = listImages(layout).filter((i) => i.base === name);
  if (dependents.length > 0) {
    throw new UserError(
      "image_in_use",
      `Image ${name} is the base of ${dependents.map((d) => d.name).join(", ")}.`,
      {
        hint: "Remove those snapshot images first (spuff image rm NAME).",
      },
    );
  }
  const trash = path.join(layout.imagesDir, `.removing-${name}-${process.pid}`);
  fs.renameSync(layout.imageDir(name), trash);
  fs.rmSync(trash, { recursive: true, force: true });
}

/** Atomically puts a completed image folder in place of any previous one. */
export function installDir(layout: MachineLayout, name: string, ready: string): void {
  const target = layout.imageDir(name);
  const old = path.join(layout.imagesDir, `.old-${name}-${process.pid}`);
  if (fs.existsSync(target)) fs.renameSync(target, old);
  fs.renameSync(ready, target);
  fs.rmSync(old, { recursive: true, force: true });
}

function assertUnused(layout: MachineLayout, name: string): void {
  const users = listMachineDirs(layout).filter(
    (m) => m.record && imageChain(layout, m.record.image).includes(name),
  );
  if (users.length > 0) {
    throw new UserError(
      "image_in_use",
      `Image ${name} is used by machine(s) ${users.map((u) => u.record?.name ?? u.id).join(", ")}.`,
      { hint: "Destroy them first (spuff local list; spuff local destroy ID)." },
    );
  }
}

function imageChain(layout: MachineLayout, name: string): string[] {
  const chain: string[] = [];
  let cur: ImageManifest | undefined = readImage(layout, name);
  chain.push(name);
  for (let i = 0; cur?.base && i < 32; i++) {
    chain.push(cur.base);
    cur = readImage(layout, cur.base);
  }
  return chain;
}

/** One builder per image at a time: a second one is refused (a killed builder's lock is taken over). */
function takeBuildLock(layout: MachineLayout, name: string): Promise<(() => void) | undefined> {
  return acquirePidLock(path.join(layout.imagesDir, `.lock-${name}`), {
    busy: "throw",
    error: (holder) =>
      new UserError(
        "image_build_running",
        `Image ${name} is being built by process ${holder ?? "(starting)"}.`,
        {
          hint: "Wait for it to finish, then run the command again.",
        },
      ),
  });
}

/** Partial folders of builders that died (their PID is in the name). */
function removeStalePartials(layout: MachineLayout): void {
  for (const n of fs.readdirSync(layout.imagesDir)) {
    const m = /^\.(?:partial|old|removing)-.+-(\d+)$/.exec(n);
    if (m && !isProcessAlive(Number(m[1])))
      fs.rmSync(path.join(layout.imagesDir, n), { recursive: true, force: true });
  }
}

function runLogged(cmd: string, args: string[], logFile: string, o: BuildOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const log = fs.openSync(logFile, "w", 0o644);
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], signal: o.signal });
    let tail: string[] = [];
    const onData = (buf: Buffer) => {
      fs.writeSync(log, buf);
      for (const line of buf.toString("utf8").split("\n")) {
        if (!line.trim()) continue;
        tail = [...tail.slice(-19), line];
        o.onOutput?.(line);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("error", (err) => {
      fs.closeSync(log);
      reject(err);
    });
    child.on("close", (code) => {
      fs.closeSync(log);
      if (code === 0) return resolve();
      reject(
        new UserError("image_build_failed", `Building the image failed (exit ${code}).\n${tail.join("\n")}`, {
          hint: `Full log: ${logFile}. Check that Debian's mirror is reachable, then run the command again.`,
        }),
      );
    });
  });
}
