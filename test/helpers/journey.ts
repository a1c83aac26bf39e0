/**
 * A real-machine journey: a fresh data dir sharing the built images (tempDataDir), a new login
 * key, the binary run against that dir, and `spuff init --defaults` for one provider.
 */
import path from "node:path";
import { expect } from "vitest";
import { type RunResult, runSpuff } from "./cli.ts";
import { tempDataDir } from "./machines.ts";
import { generateKeyPair } from "./sshd.ts";

export interface Journey {
  dir: string;
  env: Record<string, string>;
  key: string;
  run(args: string[], timeoutMs?: number): Promise<RunResult>;
}

export function newJourney(prefix: string, extraEnv: Record<string, string> = {}): Journey {
  const dir = tempDataDir(prefix);
  const key = path.join(dir, "id_ed25519");
  generateKeyPair(key);
  const env = { SPUFF_DATA_DIR: dir, SPUFF_CONFIG_DIR: path.join(dir, "cfg"), ...extraEnv };
  return {
    dir,
    env,
    key,
    run: (args, timeoutMs = 60_000) => runSpuff(args, { configDir: dir, env, timeoutMs }),
  };
}

/** `spuff init --defaults --provider P --ssh-key KEY`, which must succeed. */
export async function initJourney(j: Journey, provider: string): Promise<void> {
  const init = await j.run(["init", "--defaults", "--provider", provider, "--ssh-key", j.key]);
  expect(init.code, init.stderr).toBe(0);
}
