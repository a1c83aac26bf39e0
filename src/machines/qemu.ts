/**
 * The qemu driver: a real VM with its own kernel, booted directly (kernel + initrd) from a disk
 * made once per image from its root filesystem, with a per-machine copy-on-write overlay and a
 * NoCloud seed ISO. qemu runs in a network namespace of its own (qemu-net.ts): 127.0.0.N:22
 * reaches the guest's sshd and nothing else, and the guest cannot reach the host's loopback.
 * The disk comes from qemu-disk.ts, the accelerator from qemu-accel.ts.
 */
import fs from "node:fs";
import path from "node:path";
import { UserError } from "../core/errors.ts";
import type { MachineDriver, StartContext } from "./driver.ts";
import { type ImageManifest, manifestChain, qemuLayerDisk } from "./image.ts";
import type { MachineLayout } from "./layout.ts";
import { isProcessAlive, pidsInNetns, pidsMentioning, stopProcesses } from "./procs.ts";
import { type Accel, accelArgs, accelCacheFile, QEMU, resolveAccel } from "./qemu-accel.ts";
import { type BaseDisk, ensureBaseDisk } from "./qemu-disk.ts";
import {
  launchPrefix,
  NETNS_ADDRESS,
  NETNS_SSH_PORT,
  setUpQemuNetwork,
  tearDownQemuNetwork,
} from "./qemu-net.ts";
import { run, runToExit } from "./run.ts";
import { writeSeed } from "./seed.ts";
import type { MachineRecord } from "./types.ts";
import { powerdown } from "./volume-qemu.ts";
import { listVolumes } from "./volumes.ts";

export const DEFAULT_MEMORY_MB = 1024;
const SMP = 2;
/** qemu -daemonize returns once the VM is set up (disks opened, port forward bound). */
const LAUNCH_TIMEOUT_MS = 30_000;
/** qemu exits at once on SIGTERM; the overlay is thrown away, so no clean poweroff is needed. */
const STOP_GRACE_MS = 5000;

/** Per-machine files, all inside the machine's folder (which is how teardown finds qemu). */
export interface MachineFiles {
  disk: string;
  seedDir: string;
  seedIso: string;
  console: string;
  log: string;
  pidfile: string;
  /** QMP control socket (volume hot-plug, clean poweroff); in the machine's 0700 folder, 0600. */
  qmp: string;
}

export function machineFiles(machineDir: string): MachineFiles {
  const f = (name: string) => path.join(machineDir, name);
  return {
    disk: f("disk.qcow2"),
    seedDir: f("seed"),
    seedIso: f("seed.iso"),
    console: f("console.log"),
    log: f("qemu.log"),
    pidfile: f("qemu.pid"),
    qmp: f("qmp.sock"),
  };
}

/** qemu's -name for a machine: also how teardown finds it by command line. */
const vmName = (id: string) => `spuff-${id}`;

export interface VmSpec {
  id: string;
  memoryMb?: number;
  accel: Accel;
  base: BaseDisk;
  files: MachineFiles;
}

/** The full qemu command line of a machine (after the program name). */
export function qemuArgs(vm: VmSpec): string[] {
  return [
    "-name",
    vmName(vm.id),
    "-nodefaults",
    "-no-user-config",
    "-display",
    "none",
    ...accelArgs(vm.accel),
    "-smp",
    String(SMP),
    "-m",
    String(vm.memoryMb ?? DEFAULT_MEMORY_MB),
    "-kernel",
    vm.base.kernel,
    "-initrd",
    vm.base.initrd,
    "-append",
    "root=/dev/vda rw console=ttyS0 net.ifnames=0",
    "-drive",
    `file=${vm.files.disk},if=virtio,format=qcow2`,
    "-drive",
    `file=${vm.files.seedIso},if=virtio,format=raw,readonly=on`,
    "-netdev",
    // Forwarded from 127.0.0.N:22 by slirp4netns into the namespace qemu runs in (qemu-net.ts).
    `user,id=n0,hostfwd=tcp:${NETNS_ADDRESS}:${NETNS_SSH_PORT}-:22`,
    "-device",
    "virtio-net-pci,netdev=n0",
    // Volumes are hot-plugged here as scsi-hd (volume-qemu.ts); a pinned slot far from the
    // auto-assigned ones, and SCSI disks are sdX: the root disk stays vda.
    "-device",
    "virtio-scsi-pci,id=scsi0,addr=0x10",
    // A unix socket in the machine's own folder (no TCP monitor): only root reaches it.
    "-qmp",
    `unix:${vm.files.qmp},server=on,wait=off`,
    "-serial",
    `file:${vm.files.console}`,
    "-pidfile",
    vm.files.pidfile,
    "-daemonize",
  ];
}

export const qemuDriver: MachineDriver = {
  name: "qemu",

  async start({ layout, record, seed, save }: StartContext) {
    const { base, backing } = await bootDisk(layout, record.image);
    const accel = await resolveAccel(accelCacheFile(layout), base.kernel);
    const files = machineFiles(layout.machineDir(record.id));

    await run("qemu-img", ["create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", backing, files.disk]);
    writeSeed(layout.machineDir(record.id), path.basename(files.seedDir), seed);
    await run("genisoimage", [
      "-quiet",
      "-output",
      files.seedIso,
      "-volid",
      "cidata",
      "-joliet",
      "-rock",
      ...Object.keys(seed).map((name) => path.join(files.seedDir, name)),
    ]);

    const args = qemuArgs({
      id: record.id,
      memoryMb: record.memoryMb,
      accel,
      base,
      files,
    });
    save({ slirpPid: await setUpQemuNetwork(layout, record.id, record.address) });
    const [prefix, ...prefixArgs] = launchPrefix(layout, record.id);
    const code = await runToExit(
      prefix as string,
      [...prefixArgs, QEMU, ...args],
      files.log,
      LAUNCH_TIMEOUT_MS,
    );
    const pid = readPid(files.pidfile);
    if (pid) save({ pid });
    if (fs.existsSync(files.qmp)) fs.chmodSync(files.qmp, 0o600);
    if (code !== 0 || !isProcessAlive(pid)) {
      const why = code === "timeout" ? "timed out" : code === 0 ? "exited after starting" : `exit ${code}`;
      // After daemonizing qemu's own output goes nowhere; the guest's console tells the rest.
      const output = tail(files.log) || tail(files.console);
      throw new UserError("qemu_failed", `qemu did not start (${why}):\n${output}`, {
        hint: output.includes("host forwarding")
          ? `Is ${record.address}:22 already in use? Check with: ss -ltn`
          : `Logs: ${files.log}, ${files.console}`,
      });
    }
  },

  async teardown(layout, id) {
    // qemu's command line names the machine twice: its folder (disk, seed, console) and its -name,
    // which still matches when the data dir is reached by another path. That finds it whether or
    // not a PID was saved (a creator killed before saving it), and unlike a recorded PID it
    // cannot hit an unrelated process that reused the number after qemu died.
    const dir = layout.machineDir(id);
    const vm = pidsMentioning(`-name ${vmName(id)} `);
    const found = [...new Set([...pidsMentioning(`${dir}/`), ...vm])];
    // A volume's filesystem is mounted by the guest: it powers off cleanly first (~8 s under
    // TCG), or what it had not written yet would be lost with the VM.
    if (vm.length > 0 && hasDisk(layout, id)) await cleanPoweroff(machineFiles(dir).qmp, vm);
    await stopProcesses(found, STOP_GRACE_MS);
    // slirp4netns names the folder (its API socket); what is left in the namespace goes too.
    await stopProcesses([...pidsMentioning(dir), ...pidsInNetns(layout.netnsName(id))], STOP_GRACE_MS);
    await tearDownQemuNetwork(layout, id);
  },

  /**
   * The machine's changes as a qcow2 of its own, backed by the disk it booted from: `convert -B`
   * writes only what differs from that disk. The VM keeps running (-U: its overlay is open); the
   * caller has had the guest `sync` (snapshot-scrub, prebuild scrub), and ext4's journal covers the
   * rest at the next boot. Unlike nspawn's layer, the guest's files cannot be touched from the
   * host here: identity files are removed inside the guest before (prebuild/scrub.ts).
   */
  async saveLayer(layout: MachineLayout, record: MachineRecord, dest: string) {
    const { backing } = await bootDisk(layout, record.image);
    const files = machineFiles(layout.machineDir(record.id));
    fs.mkdirSync(dest, { mode: 0o755 });
    await run(
      "qemu-img",
      [
        "convert",
        "-U",
        "-q",
        "-f",
        "qcow2",
        "-O",
        "qcow2",
        "-F",
        "qcow2",
        "-B",
        backing,
        files.disk,
        path.join(dest, "disk.qcow2"),
      ],
      { timeoutMs: 600_000 },
    );
  },
};

/**
 * What a machine of `imageName` boots: the kernel and initrd of its base image's disk, and the
 * disk its overlay is backed by (the base disk, or the top qemu snapshot's). A directory layer
 * (an nspawn snapshot) is refused before anything is built.
 */
async function bootDisk(
  layout: MachineLayout,
  imageName: string,
): Promise<{ base: BaseDisk; backing: string }> {
  const chain = manifestChain(layout, imageName);
  const top = chain[0] as ImageManifest;
  const nspawnLayer = chain.find((m) => m.kind === "snapshot" && m.backend !== "qemu");
  if (nspawnLayer) {
    throw new UserError(
      "qemu_snapshot_unsupported",
      `Image ${nspawnLayer.name} is a snapshot of an nspawn machine (a directory layer); qemu boots disks.`,
      { hint: "Use the nspawn backend for it, or snapshot a qemu machine." },
    );
  }
  const base = await ensureBaseDisk(layout, (chain.at(-1) as ImageManifest).name);
  // The real path: the overlay must not depend on how the data dir was reached (symlinks).
  const backing = fs.realpathSync(top.kind === "base" ? base.disk : qemuLayerDisk(layout, top.name));
  return { base, backing };
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** A booted TCG guest powers off in ~8 s; one still booting may ignore the request: stop it then. */
const POWEROFF_MS = 60_000;

const hasDisk = (layout: MachineLayout, id: string) =>
  listVolumes(layout).some((v) => v.attachment?.machine === id && v.attachment.kind === "disk");

async function cleanPoweroff(qmp: string, pids: number[]): Promise<void> {
  try {
    await powerdown(qmp);
  } catch {
    return; // no QMP answer: nothing more gentle to try
  }
  const deadline = Date.now() + POWEROFF_MS;
  for (let i = 0; i < POWEROFF_MS / 200 && Date.now() < deadline; i++) {
    if (!pids.some((p) => isProcessAlive(p))) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

function readPid(pidfile: string): number | undefined {
  const pid = Number.parseInt(readText(pidfile), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

function tail(file: string, lines = 10): string {
  return readText(file).trimEnd().split("\n").slice(-lines).join("\n");
}
