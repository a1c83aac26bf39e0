/**
 * Workspace volumes on the `local` provider: a sparse disk image per volume under the data dir
 * (machines/volumes.ts), attached to nspawn machines by the host (machines/volume-attach.ts: the
 * host formats a blank image, mounts it and binds it in idmapped at the dev user's ~/workspace, so
 * `Volume.mounted` is set and `up` only hands it to the dev user); qemu machines get it hot-plugged
 * as a SCSI disk the guest formats and mounts itself (machines/volume-qemu.ts).
 */
import { NotFoundError, UserError } from "../../core/errors.ts";
import type { MachineEngine } from "../../machines/engine.ts";
import { attachVolume, detachVolume } from "../../machines/volume-attach.ts";
import {
  createVolume,
  findVolumeByName,
  growImage,
  listVolumes,
  readVolume,
  removeVolumeDir,
  VOLUME_ID,
  type VolumeRecord,
  volumeFiles,
  withLock,
} from "../../machines/volumes.ts";
import type { Volume, VolumeOps } from "../types.ts";

export function localVolumes(machines: MachineEngine): VolumeOps {
  const layout = machines.layout;
  const toVolume = (v: VolumeRecord): Volume => {
    const a = v.attachment;
    // A machine that no longer exists holds nothing (gc releases what it left on the host).
    const attachedTo = a && machines.get(a.machine) ? [a.machine] : [];
    return {
      id: v.id,
      name: v.name,
      sizeGb: v.sizeGb,
      region: "local",
      attachedTo,
      createdAt: v.createdAt,
      // A qemu machine's disk is found by the guest under its by-id name; otherwise the host's image.
      devicePath: a?.kind === "disk" && attachedTo.length > 0 ? a.path : volumeFiles(layout, v.id).image,
      ...(a?.kind === "bind" && a.fsUuid && attachedTo.length > 0
        ? { mounted: { path: a.path, fsUuid: a.fsUuid, formatted: a.formatted === true } }
        : {}),
    };
  };
  const require = (id: string): VolumeRecord => {
    const v = VOLUME_ID.test(id) ? readVolume(layout, id) : undefined;
    if (!v) throw new NotFoundError("Local volume", id, { hint: "List them: spuff volume list" });
    return v;
  };
  return {
    async listVolumes() {
      return listVolumes(layout).map(toVolume);
    },
    async findVolume(name) {
      const v = findVolumeByName(layout, name);
      return v && toVolume(v);
    },
    async createVolume(req) {
      return toVolume(await createVolume(layout, req.name, req.sizeGb));
    },
    async attachVolume(volumeId, instanceId, opts) {
      require(volumeId);
      opts.signal?.throwIfAborted();
      if (!opts.mountPath)
        throw new Error(
          "local attachVolume: the mount path inside the machine is required (AttachOptions.mountPath)",
        );
      return toVolume(await attachVolume(layout, volumeId, machines.require(instanceId), opts.mountPath));
    },
    async detachVolume(volumeId, instanceId) {
      return toVolume(await detachVolume(layout, require(volumeId).id, instanceId));
    },
    async resizeVolume(volumeId, sizeGb) {
      const f = volumeFiles(layout, require(volumeId).id);
      return withLock(f.lock, `Volume ${volumeId}`, async () => {
        // ext4 grows at the next attach, offline (growing it mounted needs CAP_SYS_RESOURCE,
        // which the host may not have when it is itself a container).
        return toVolume(growImage(layout, require(volumeId), sizeGb));
      });
    },
    async deleteVolume(volumeId) {
      const found = VOLUME_ID.test(volumeId) ? readVolume(layout, volumeId) : undefined;
      if (!found) return;
      const f = volumeFiles(layout, volumeId);
      const held = found.attachment;
      // Left attached to a machine that is gone: the host lets go of it first (never the data).
      if (held && !machines.get(held.machine)) await detachVolume(layout, volumeId, held.machine);
      await withLock(f.lock, `Volume ${volumeId}`, async () => {
        const v = readVolume(layout, volumeId);
        if (!v) return;
        if (v.attachment && machines.get(v.attachment.machine))
          throw new UserError(
            "volume_in_use",
            `Volume ${v.name} is attached to instance ${v.attachment.machine}.`,
            {
              hint: "Destroy that instance first (`spuff down`, or `spuff down --delete-volume` to delete both).",
            },
          );
        removeVolumeDir(layout, volumeId);
      });
    },
  };
}
