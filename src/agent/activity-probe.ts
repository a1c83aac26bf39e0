/**
 * Reads the activity sources from the system and feeds them to the IdleTracker. Every path is
 * injectable so tests point it at temp files. Each source fails soft: a missing file is "no activity".
 */
import { promises as fsp } from "node:fs";
import path from "node:path";
import { countEstablishedSsh, type IdleTracker, keepaliveActivity } from "./idle.ts";

export interface ActivityProbeOptions {
  /**
   * Terminal devices. The kernel stamps a pts's atime on input and its mtime on output; only input
   * counts, so a forgotten `htop` or `tail -f` does not keep the machine alive (same rule as `w`'s IDLE).
   */
  ptsDir: string;
  /** /proc/net/tcp and /proc/net/tcp6. */
  tcpFiles: string[];
  sshPort: number;
  /** Touched (or written with a future epoch) by `spuff-keepalive`. */
  keepaliveFile: string;
}

export const defaultProbeOptions: ActivityProbeOptions = {
  ptsDir: "/dev/pts",
  tcpFiles: ["/proc/net/tcp", "/proc/net/tcp6"],
  sshPort: 22,
  keepaliveFile: "/run/spuff/keepalive",
};

export async function probeActivity(opts: ActivityProbeOptions, tracker: IdleTracker, now: number) {
  const entries = await fsp.readdir(opts.ptsDir).catch(() => [] as string[]);
  let latestPts = 0;
  let latestName = "";
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue; // skip ptmx
    const st = await fsp.stat(path.join(opts.ptsDir, e)).catch(() => undefined);
    if (!st) continue;
    const t = st.atimeMs;
    if (t > latestPts) {
      latestPts = t;
      latestName = e;
    }
  }
  if (latestPts > 0) tracker.observe("ssh_input", latestPts, `pts/${latestName}`);

  let established = 0;
  for (const f of opts.tcpFiles) {
    const text = await fsp.readFile(f, "utf8").catch(() => "");
    established += countEstablishedSsh(text, opts.sshPort);
  }
  if (established > 0) tracker.observe("ssh_connection", now, `${established} established`);

  const st = await fsp.stat(opts.keepaliveFile).catch(() => undefined);
  if (st?.isFile()) {
    const content = await fsp.readFile(opts.keepaliveFile, "utf8").catch(() => "");
    tracker.observe(
      "keepalive",
      keepaliveActivity(content.slice(0, 64), st.mtimeMs, now),
      opts.keepaliveFile,
    );
  }
}
