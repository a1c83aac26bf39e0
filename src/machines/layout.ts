/** Where local machines and images live under the data dir (SPUFF_DATA_DIR). */
import { createHash } from "node:crypto";
import path from "node:path";

export interface MachineLayout {
  dataDir: string;
  imagesDir: string;
  imageDir(name: string): string;
  machinesDir: string;
  machineDir(id: string): string;
  /**
   * One claim file per loopback address in use, shared by every data dir on the host (two data
   * dirs must not both hand out 127.0.0.2): O_EXCL creation makes allocation race-free, and
   * /run is emptied at boot, when every machine is gone anyway.
   */
  addressesDir: string;
  /** Prefix of this data dir's network namespaces, so gc never touches another data dir's. */
  netnsPrefix: string;
  /** Network namespace of a machine (nspawn): derived from the id so cleanup never needs state. */
  netnsName(id: string): string;
  /** Workspace volumes of the local provider: one folder per volume (machines/volumes.ts). */
  volumesDir: string;
}

const RUN_DIR = "/run/spuff";

export function machineLayout(dataDir: string): MachineLayout {
  const imagesDir = path.join(dataDir, "images");
  const machinesDir = path.join(dataDir, "machines");
  const netnsPrefix = `spuff-${createHash("sha256").update(path.resolve(dataDir)).digest("hex").slice(0, 8)}-`;
  return {
    dataDir,
    imagesDir,
    imageDir: (name) => path.join(imagesDir, name),
    machinesDir,
    machineDir: (id) => path.join(machinesDir, id),
    addressesDir: path.join(RUN_DIR, "addresses"),
    netnsPrefix,
    netnsName: (id) => `${netnsPrefix}${id}`,
    volumesDir: path.join(dataDir, "volumes"),
  };
}
