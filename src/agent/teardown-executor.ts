/**
 * The side-effecting half of teardown. The interface is what the supervisor calls; the real
 * implementation below shells out to `wall`/`systemctl` (not exercised by tests: it would power
 * off the machine running them) and calls the provider API (tested against the simulator).
 */
import { spawn } from "node:child_process";
import { promises as fsp } from "node:fs";
import path from "node:path";
import { providerEntry } from "../providers/catalog.ts";
import type { AgentSettings } from "./config.ts";
import { tokenUrlAllowed } from "./token-url.ts";

export interface TeardownRecord {
  at: string;
  reason: string;
  action: string;
  note: string;
}

export interface TeardownExecutor {
  wall(message: string): Promise<void>;
  /** Written before acting, so after a reboot or in the console it is clear why the machine stopped. */
  recordReason(record: TeardownRecord): Promise<void>;
  poweroff(): Promise<void>;
  /** Deletes this server through the provider API; rejects on any failure (the caller then powers off). */
  deleteViaApi(settings: AgentSettings): Promise<void>;
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: "ignore" });
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}`))));
  });
}

/** `fetchImpl` is injectable so a test can see what would be sent where, without sending it. */
export function createSystemExecutor(
  stateFile = "/var/lib/spuff/teardown.json",
  fetchImpl: typeof fetch = fetch,
): TeardownExecutor {
  return {
    wall: (message) => run("wall", [message]),
    async recordReason(record) {
      await fsp.mkdir(path.dirname(stateFile), { recursive: true });
      await fsp.writeFile(stateFile, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o644 });
    },
    poweroff: () => run("systemctl", ["poweroff"]),
    async deleteViaApi(settings) {
      // Metadata path (instance id as plain text) and API endpoint from the catalog; both bases
      // overridable (the CLI hands its own endpoint, e.g. a simulator's, to the agent unchanged).
      const p = providerEntry(settings.provider)?.agentDelete;
      if (!p) throw new Error(`no API delete for provider ${settings.provider}`);
      const api = settings.api_base_url ?? p.api;
      // The reaper token can delete servers: never over plain http (loopback aside, for simulators).
      if (!tokenUrlAllowed(api)) throw new Error(`refusing to send the reaper token to ${api}: not https`);
      const token = (await fsp.readFile(settings.reaper_token_file, "utf8")).trim();
      const signal = AbortSignal.timeout(15_000);
      const idRes = await fetchImpl(`${settings.metadata_base_url ?? p.metadata}${p.idPath}`, { signal });
      const id = (await idRes.text()).trim();
      if (!idRes.ok || !/^\d+$/.test(id))
        throw new Error(`metadata service gave no instance id (${idRes.status})`);
      const res = await fetchImpl(`${api}${p.deletePath}${id}`, {
        method: "DELETE",
        headers: { authorization: `Bearer ${token}` },
        // A redirect could lead the token elsewhere (or to http): the API never needs one here.
        redirect: "error",
        signal,
      });
      if (!res.ok && res.status !== 404) throw new Error(`DELETE server ${id} failed: HTTP ${res.status}`);
    },
  };
}
