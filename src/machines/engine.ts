/**
 * The machine engine: create, list, destroy, snapshot and garbage-collect local machines.
 * Order of create is what makes it crash-safe: folder + record (state `creating`, with the
 * creator's PID) → address claim → driver start (each PID saved as it appears) → `running`.
 * Whatever point a creator is killed at, `gc` finds a record or a derived name to clean from.
 */

import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { NotFoundError, UserError } from "../core/errors.ts";
import { waitForPort } from "../ssh/wait.ts";
import { claimAddress, releaseAddress, releaseStaleClaim, staleClaims } from "./addresses.ts";
import type { MachineDriver } from "./driver.ts";
import { removeTree } from "./guest-fs.ts";
import { assertHostCanRun, type HostFacts, realHost } from "./host.ts";
import { type ImageManifest, installDir, readImage, requireImage } from "./image.ts";
import type { MachineLayout } from "./layout.ts";
import { deleteNetns, mountsUnder, netnsWithPrefix, unmount } from "./mounts.ts";
import { nspawnDriver } from "./nspawn.ts";
import { isProcessAlive } from "./procs.ts";
import {
  abandonedStagingDirs,
  createMachineDir,
  listMachineDirs,
  readRecord,
  writeRecord,
} from "./records.ts";
import { hostnameFor, newInstanceId, seedFiles } from "./seed.ts";
import type { CreateMachineRequest, DriverName, MachineRecord } from "./types.ts";
import { gcVolumes, releaseVolumesOf } from "./volume-attach.ts";

/**
 * Folders appear with their record (createMachineDir), so a record-less one is damage from
 * outside spuff (a record deleted by hand); give a racing writer time before calling it debris.
 */
const RECORDLESS_GRACE_MS = 30_000;

function ageMs(dir: string): number {
  try {
    return Date.now() - fs.statSync(dir).mtimeMs;
  } catch {
    return 0;
  }
}

export interface EngineOptions {
  layout: MachineLayout;
  host?: HostFacts;
  /** Drivers by name; qemu is loaded lazily by the default. */
  drivers?: Partial<Record<DriverName, MachineDriver>>;
}

export interface GcReport {
  /** Machine ids torn down (half-created, or their main process died). */
  machines: string[];
  netns: string[];
  mounts: string[];
  addresses: string[];
  /** Local volumes released from machines that are gone (their images are kept). */
  volumes: string[];
}

export class MachineEngine {
  readonly layout: MachineLayout;
  private readonly host: HostFacts;
  private readonly drivers: Partial<Record<DriverName, MachineDriver>>;

  constructor(o: EngineOptions) {
    this.layout = o.layout;
    this.host = o.host ?? realHost();
    this.drivers = o.drivers ?? { nspawn: nspawnDriver };
  }

  private async driver(name: DriverName): Promise<MachineDriver> {
    const existing = this.drivers[name];
    if (existing) return existing;
    if (name === "qemu") {
      const { qemuDriver } = await import("./qemu.ts");
      this.drivers.qemu = qemuDriver;
      return qemuDriver;
    }
    throw new UserError("machines_unknown_driver", `Unknown machine backend ${JSON.stringify(name)}.`);
  }

  async create(req: CreateMachineRequest): Promise<MachineRecord> {
    const driverName = req.driver ?? "nspawn";
    assertHostCanRun(driverName, this.host);
    requireImage(this.layout, req.image);
    const driver = await this.driver(driverName);

    const id = `m-${randomBytes(5).toString("hex")}`;
    let record: MachineRecord = {
      id,
      name: req.name,
      driver: driverName,
      image: req.image,
      address: "",
      instanceId: newInstanceId(),
      state: "creating",
      creatorPid: process.pid,
      labels: req.labels ?? {},
      ...(req.memoryMb ? { memoryMb: req.memoryMb } : {}),
      createdAt: new Date().toISOString(),
    };
    const save = (patch: Partial<MachineRecord>) => {
      record = { ...record, ...patch };
      writeRecord(this.layout, record);
    };
    createMachineDir(this.layout, record);
    try {
      save({ address: claimAddress(this.layout, id) });
      const seed = seedFiles(req.userData, record.instanceId, hostnameFor(req.name));
      await driver.start({ layout: this.layout, record, seed, save });
      save({ state: "running" });
      return record;
    } catch (err) {
      await this.destroy(id).catch(() => {});
      throw err;
    }
  }

  /** Resolves once the machine's sshd sends its banner (a forwarded port alone proves nothing). */
  async waitSsh(id: string, timeoutMs: number): Promise<MachineRecord> {
    const m = this.require(id);
    await waitForPort(m.address, 22, { timeoutMs, attemptTimeoutMs: 2000 });
    return m;
  }

  get(id: string): MachineRecord | undefined {
    return readRecord(this.layout, id);
  }

  require(id: string): MachineRecord {
    const m = this.get(id);
    if (!m) throw new NotFoundError("Local machine", id, { hint: "List them: spuff local list" });
    return m;
  }

  list(): MachineRecord[] {
    return listMachineDirs(this.layout)
      .map((d) => d.record)
      .filter((r): r is MachineRecord => r !== undefined);
  }

  /** Is the machine's main process alive? (A crashed or powered-off machine is not.) */
  isRunning(m: MachineRecord): boolean {
    return m.state === "running" && isProcessAlive(m.pid);
  }

  /**
   * Stops the machine and removes all it had; resolves when already gone, with the names of the
   * local volumes it let go of (they stay).
   */
  async destroy(id: string): Promise<string[]> {
    const record = readRecord(this.layout, id);
    const dir = this.layout.machineDir(id);
    if (!record && !fs.existsSync(dir)) return [];
    if (record) writeRecord(this.layout, { ...record, state: "stopping" });
    const driver = await this.driver(record?.driver ?? "nspawn");
    await driver.teardown(this.layout, id, record);
    // Its processes are gone, so is its mount namespace: the host lets go of its volumes.
    const released = await releaseVolumesOf(this.layout, id);
    if (record?.address) releaseAddress(this.layout, record.address, id);
    // The guest owns most of the folder (its upper layer): no links followed, no mount crossed.
    removeTree(dir);
    return released;
  }

  /** Saves a machine's current files as a new image usable with `create({ image })`. */
  async snapshot(id: string, name: string): Promise<ImageManifest> {
    const m = this.require(id);
    if (!/^[a-z0-9][a-z0-9._-]{0,62}$/.test(name)) {
      throw new UserError("image_bad_name", `Invalid image name ${JSON.stringify(name)}.`, {
        hint: "Use lowercase letters, digits, '.', '_' and '-' (max 63).",
      });
    }
    if (readImage(this.layout, name)) {
      throw new UserError("image_exists", `An image named ${name} already exists.`, {
        hint: "Pick another name.",
      });
    }
    const driver = await this.driver(m.driver);
    const partial = path.join(this.layout.imagesDir, `.partial-${name}-${process.pid}`);
    removeTree(partial);
    fs.mkdirSync(this.layout.imagesDir, { recursive: true, mode: 0o755 });
    // 0700: a snapshot holds whatever the machine had (keys, tokens in files).
    fs.mkdirSync(partial, { mode: 0o700 });
    try {
      await driver.saveLayer(this.layout, m, path.join(partial, "layer"));
      const base = requireImage(this.layout, m.image);
      const manifest: ImageManifest = {
        name,
        kind: "snapshot",
        distro: base.distro,
        base: m.image,
        sourceMachine: m.name,
        ...(m.driver === "qemu" ? { backend: "qemu" as const } : {}),
        createdAt: new Date().toISOString(),
        // Listing snapshots (`up` looks for a prebuild) then needs no walk of every layer.
        sizeBytes: diskUsageBytes(partial),
      };
      fs.writeFileSync(path.join(partial, "image.json"), `${JSON.stringify(manifest, null, 2)}\n`, {
        mode: 0o644,
      });
      installDir(this.layout, name, partial);
      return manifest;
    } catch (err) {
      removeTree(partial);
      throw err;
    }
  }

  /**
   * Cleans what interrupted or crashed machines left: `creating` records whose creator is gone,
   * machines whose main process died, folders without a record, and namespaces, mounts and
   * address claims that no machine owns. Machines that are up are never touched.
   */
  async gc(): Promise<GcReport> {
    const report: GcReport = { machines: [], netns: [], mounts: [], addresses: [], volumes: [] };
    // Nothing was started for a staging folder yet (no claim, no process): removing it is all.
    for (const dir of abandonedStagingDirs(this.layout, isProcessAlive)) removeTree(dir);
    for (const { id, record } of listMachineDirs(this.layout)) {
      // A machine that powered itself off (the agent's idle teardown) is debris too: its overlay,
      // namespace and NAT helper would otherwise stay behind.
      const debris = record
        ? !isProcessAlive(record.state === "creating" ? record.creatorPid : record.pid)
        : ageMs(this.layout.machineDir(id)) > RECORDLESS_GRACE_MS;
      if (!debris) continue;
      report.volumes.push(...(await this.destroy(id)));
      report.machines.push(id);
    }
    const live = new Set(listMachineDirs(this.layout).map((d) => d.id));
    for (const ns of netnsWithPrefix(this.layout.netnsPrefix)) {
      if (live.has(ns.slice(this.layout.netnsPrefix.length))) continue;
      await deleteNetns(ns);
      report.netns.push(ns);
    }
    for (const mount of mountsUnder(this.layout.machinesDir)) {
      const id = path.relative(this.layout.machinesDir, mount).split(path.sep)[0] ?? "";
      if (live.has(id)) continue;
      await unmount(mount);
      report.mounts.push(mount);
    }
    const vols = await gcVolumes(this.layout);
    report.volumes.push(...vols.volumes);
    report.mounts.push(...vols.mounts);
    for (const claim of staleClaims(this.layout)) {
      releaseStaleClaim(this.layout, claim.address, claim.owner);
      report.addresses.push(claim.address);
    }
    return report;
  }
}

/** Bytes a folder takes on disk (du), 0 when it cannot be measured. */
function diskUsageBytes(dir: string): number {
  try {
    return (
      1024 * Number(execFileSync("du", ["-sk", dir], { encoding: "utf8", timeout: 120_000 }).split("\t")[0])
    );
  } catch {
    return 0;
  }
}
