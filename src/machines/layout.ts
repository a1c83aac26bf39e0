/** Where local machines and images live under the data dir (SPUFF_DATA_DIR). */
import path from "node:path";

export interface MachineLayout {
  dataDir: string;
  imagesDir: string;
  imageDir(name: string): string;
  machinesDir: string;
  machineDir(id: string): string;
  /** One claim file per loopback address in use: O_EXCL creation makes allocation race-free. */
  addressesDir: string;
  /** Network namespace of a machine (nspawn): derived from the id so cleanup never needs state. */
  netnsName(id: string): string;
}

export function machineLayout(dataDir: string): MachineLayout {
  const imagesDir = path.join(dataDir, "images");
  const machinesDir = path.join(dataDir, "machines");
  return {
    dataDir,
    imagesDir,
    imageDir: (name) => path.join(imagesDir, name),
    machinesDir,
    machineDir: (id) => path.join(machinesDir, id),
    addressesDir: path.join(dataDir, "addresses"),
    netnsName: (id) => `spuff-${id}`,
  };
}
