/**
 * Local volumes on qemu machines: the image is hot-plugged over QMP as a scsi-hd on the VM's
 * virtio-scsi controller (local-machines-2.md §3c: 0.35–0.57 s under TCG), with vendor/product/
 * serial set so the guest's udev names it like a cloud volume, and the guest formats (only when
 * blank) and mounts it itself with volume-mount.sh, exactly as on a droplet. qemu holds a lock
 * on the image file while it has it open, so no second VM can open it meanwhile.
 */
import path from "node:path";
import type { MachineLayout } from "./layout.ts";
import { openQmp } from "./qmp.ts";

/** The SCSI vendor and product the guest sees: udev names it `scsi-0spuff_Volume_<serial>`. */
const VENDOR = "spuff";
const PRODUCT = "Volume";
/** The controller qemu.ts gives every VM, on a pinned PCI slot (the root disk stays vda). */
export const SCSI_BUS = "scsi0.0";
const UNPLUG_TIMEOUT_MS = 30_000;

export const qmpSocket = (layout: MachineLayout, machineId: string) =>
  path.join(layout.machineDir(machineId), "qmp.sock");

/** Where the guest finds the volume (its serial is the volume id: letters, digits and "-"). */
export const qemuDevicePath = (volumeId: string) => `/dev/disk/by-id/scsi-0${VENDOR}_${PRODUCT}_${volumeId}`;

const nodeName = (volumeId: string) => `vol-${volumeId}`;
const deviceId = (volumeId: string) => `disk-${volumeId}`;

/** Adds the image as a disk of the running VM; a disk already there (a retried attach) is kept. */
export async function hotplugDisk(socket: string, volumeId: string, image: string): Promise<void> {
  const q = await openQmp(socket);
  try {
    const present = (await q.run({ execute: "query-block" })) as {
      qdev?: string;
      inserted?: { "node-name"?: string };
    }[];
    const nodes = (await q.run({ execute: "query-named-block-nodes" })) as { "node-name": string }[];
    if (!nodes.some((n) => n["node-name"] === nodeName(volumeId)))
      await q.run({
        execute: "blockdev-add",
        arguments: {
          driver: "raw",
          "node-name": nodeName(volumeId),
          file: { driver: "file", filename: image },
        },
      });
    if (present.some((b) => b.inserted?.["node-name"] === nodeName(volumeId) && b.qdev)) return;
    await q.run({
      execute: "device_add",
      arguments: {
        driver: "scsi-hd",
        bus: SCSI_BUS,
        drive: nodeName(volumeId),
        id: deviceId(volumeId),
        vendor: VENDOR,
        product: PRODUCT,
        serial: volumeId,
      },
    });
  } finally {
    q.close();
  }
}

/**
 * Unplugs the disk (the guest must have unmounted it: an unplug under a mounted filesystem loses
 * what the guest had not written yet) and closes the image in qemu.
 */
export async function unplugDisk(socket: string, volumeId: string): Promise<void> {
  const q = await openQmp(socket);
  try {
    const nodes = (await q.run({ execute: "query-named-block-nodes" })) as { "node-name": string }[];
    const devices = (await q.run({ execute: "qom-list", arguments: { path: "/machine/peripheral" } })) as {
      name: string;
    }[];
    if (devices.some((d) => d.name === deviceId(volumeId))) {
      await q.run({ execute: "device_del", arguments: { id: deviceId(volumeId) } });
      await q.waitEvent("DEVICE_DELETED", (d) => d.device === deviceId(volumeId), UNPLUG_TIMEOUT_MS);
    }
    if (nodes.some((n) => n["node-name"] === nodeName(volumeId)))
      await q.run({ execute: "blockdev-del", arguments: { "node-name": nodeName(volumeId) } });
  } finally {
    q.close();
  }
}

/** Asks the guest to power off cleanly (ACPI), so a mounted volume is unmounted before qemu goes. */
export async function powerdown(socket: string): Promise<void> {
  const q = await openQmp(socket);
  try {
    await q.run({ execute: "system_powerdown" });
  } finally {
    q.close();
  }
}
