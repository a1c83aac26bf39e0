/** What each way of running a machine (nspawn container, qemu VM) provides to the engine. */
import type { MachineLayout } from "./layout.ts";
import type { SeedFiles } from "./seed.ts";
import type { DriverName, MachineRecord } from "./types.ts";

export interface StartContext {
  layout: MachineLayout;
  record: MachineRecord;
  seed: SeedFiles;
  /** Persist what was just started (PIDs) before starting the next thing. */
  save(patch: Partial<MachineRecord>): void;
}

export interface MachineDriver {
  readonly name: DriverName;
  /** Boots the machine; returns once it is started (sshd may not answer yet). */
  start(ctx: StartContext): Promise<void>;
  /**
   * Stops and removes everything this machine may have: works from the id alone (names are
   * derived from it) so a record written half-way, or none, still gets cleaned. Idempotent.
   */
  teardown(layout: MachineLayout, id: string, record: MachineRecord | undefined): Promise<void>;
  /** Copies the machine's changed files into `dest` (a new folder) for a snapshot image. */
  saveLayer(layout: MachineLayout, record: MachineRecord, dest: string): Promise<void>;
}
