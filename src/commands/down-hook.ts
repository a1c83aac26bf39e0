/**
 * spuff.yaml's hooks.pre_down, run by `down` before it destroys anything: as the dev user, in
 * ~/workspace, with the project's env, over the pinned connection (agent forwarded, so it can
 * push). Bounded in time; a failure is reported and never blocks the destroy (the bill matters
 * more than a hook), and an unreachable instance is not waited for.
 */

import type { Deps } from "../cli/deps.ts";
import { homeOf } from "../cloudinit/build.ts";
import { preDownScript } from "../project/pre-down-script.ts";
import { readProjectRecord } from "../project/record.ts";
import { exec } from "../ssh/exec.ts";
import type { InstanceRecord } from "../state/types.ts";
import { connectToInstance } from "./connect-instance.ts";

export const PRE_DOWN_TIMEOUT_MS = 120_000;

export interface PreDownResult {
  exit_code: number | null;
  error?: string;
}

export async function runPreDown(deps: Deps, rec: InstanceRecord): Promise<PreDownResult | undefined> {
  const hook = readProjectRecord(deps.paths.instanceDir(rec.name))?.preDown;
  if (!hook || rec.status !== "ready") return undefined;
  if (!deps.json) deps.io.err.write(`Running hooks.pre_down on ${rec.name}…\n`);
  try {
    const conn = await connectToInstance(deps, rec);
    try {
      // The hook is the script on stdin: no quoting of the user's text, and it is not in `ps`.
      const script = preDownScript(homeOf(rec.sshUser), hook);
      const r = await exec(conn, "bash -s", {
        stdin: script,
        timeoutMs: PRE_DOWN_TIMEOUT_MS,
        forwardAgent: true, // e.g. a git push before the machine goes
      });
      if (!deps.json) {
        deps.io.err.write(r.stdout + r.stderr);
        if (r.exitCode !== 0)
          deps.io.err.write(`Warning: hooks.pre_down exited ${r.exitCode}; destroying anyway.\n`);
      }
      return { exit_code: r.exitCode };
    } finally {
      await conn.close();
    }
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    if (!deps.json) deps.io.err.write(`Warning: hooks.pre_down did not run (${error}); destroying anyway.\n`);
    return { exit_code: null, error };
  }
}
