/**
 * Tells the people logged in on terminals: writes a line to every pseudo-terminal under
 * /dev/pts (each SSH session has one), which is what `wall` does from utmp. Some images keep no
 * utmp (minimal containers; `wall` then reaches no one), so the terminals are found directly;
 * `wall` is the fallback when none could be written. Only character devices are written, opened
 * without becoming the agent's controlling terminal and without blocking on a stuck one.
 */
import { constants, promises as fsp } from "node:fs";
import path from "node:path";

const FLAGS = constants.O_WRONLY | constants.O_NOCTTY | constants.O_NONBLOCK | constants.O_NOFOLLOW;

/** The number of terminals the message reached. */
export async function writeToTerminals(ptsDir: string, message: string): Promise<number> {
  const names = await fsp.readdir(ptsDir).catch(() => [] as string[]);
  const text = `\r\n\x07*** ${message} ***\r\n`;
  let reached = 0;
  for (const name of names.filter((n) => /^\d+$/.test(n))) {
    const fh = await fsp.open(path.join(ptsDir, name), FLAGS).catch(() => undefined);
    if (!fh) continue;
    try {
      if (!(await fh.stat()).isCharacterDevice()) continue;
      await fh.write(text);
      reached++;
    } catch {
      // A terminal that went away or will not take the line: the others still get it.
    } finally {
      await fh.close();
    }
  }
  return reached;
}

/** Terminals first; `wall` when no terminal took the message. */
export function notifyUsers(ptsDir: string, wall: (message: string) => Promise<void>) {
  return async (message: string): Promise<void> => {
    if ((await writeToTerminals(ptsDir, message)) === 0) await wall(message);
  };
}
