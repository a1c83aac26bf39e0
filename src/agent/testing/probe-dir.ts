/**
 * Activity-probe inputs inside a temp dir for supervisor tests: `pts/` (terminals), `tcp`
 * (/proc/net/tcp stand-in) and `keepalive`. Empty, they describe a machine nobody uses; tests
 * write into them to simulate activity.
 */
import fs from "node:fs";
import path from "node:path";
import type { ActivityProbeOptions } from "../activity-probe.ts";

export function probeInDir(dir: string): ActivityProbeOptions {
  fs.mkdirSync(path.join(dir, "pts"), { recursive: true });
  return {
    ptsDir: path.join(dir, "pts"),
    tcpFiles: [path.join(dir, "tcp")],
    sshPort: 22,
    keepaliveFile: path.join(dir, "keepalive"),
  };
}
