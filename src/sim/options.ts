/** What every provider simulator takes, so `spuff-sim` and tests start any of them the same way. */
import type { Clock } from "../core/clock.ts";
import type { MachineBackend } from "./backend.ts";
import type { FaultOptions } from "./faults.ts";

export interface SimOptions {
  /** The credential clients must present (default: a fixed simulator token). */
  token?: string;
  port?: number;
  clock?: Clock;
  /** Instances turn active after this long (and once the backend's machine is ready). */
  activeAfterMs?: number;
  /** Actions (snapshots, deletes) finish after this long. */
  actionAfterMs?: number;
  faults?: FaultOptions;
  backend?: MachineBackend;
  /** Validate traffic against the spec (default true); `strict` answers bad requests 400. */
  validate?: boolean;
  strict?: boolean;
  specsDir?: string;
}
