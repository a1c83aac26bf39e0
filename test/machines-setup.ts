/**
 * Builds the local machine image once (≈2.5 min on a fresh machine, from Debian's mirror) before
 * the suites that boot real machines; later runs reuse .cache/spuff-data.
 */
import { buildImage } from "../src/machines/image.ts";
import { machineLayout } from "../src/machines/layout.ts";
import { hostCanRunMachines, runMachineSuites, SHARED_DATA_DIR, TEST_IMAGE } from "./helpers/machines.ts";

export default async function setup(): Promise<void> {
  if (!hostCanRunMachines()) {
    if (runMachineSuites)
      throw new Error("CI must be able to run local machines (root, systemd-nspawn, slirp4netns)");
    return;
  }
  const started = Date.now();
  const r = await buildImage(machineLayout(SHARED_DATA_DIR), { distro: TEST_IMAGE });
  if (r.built)
    process.stderr.write(
      `machines-setup: built ${TEST_IMAGE} in ${Math.round((Date.now() - started) / 1000)} s\n`,
    );
}
