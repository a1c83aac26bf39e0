/**
 * Builds the local machine image once (≈2.5 min on a fresh machine, from Debian's mirror) before
 * the suites that boot real machines; later runs reuse .cache/spuff-data. On CI a host that cannot
 * run machines stops the run here, with the reasons.
 */
import { buildImage } from "../src/machines/image.ts";
import { machineLayout } from "../src/machines/layout.ts";
import {
  machineHostProblems,
  machineHostVerdict,
  machinesRequired,
  SHARED_DATA_DIR,
  TEST_IMAGE,
} from "./helpers/machines.ts";

export default async function setup(): Promise<void> {
  const skipped = machineHostVerdict(machineHostProblems(), machinesRequired);
  if (skipped) {
    process.stderr.write(`machines-setup: ${skipped}\n`);
    return;
  }
  const started = Date.now();
  const r = await buildImage(machineLayout(SHARED_DATA_DIR), { distro: TEST_IMAGE });
  if (r.built)
    process.stderr.write(
      `machines-setup: built ${TEST_IMAGE} in ${Math.round((Date.now() - started) / 1000)} s\n`,
    );
}
