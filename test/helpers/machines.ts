/**
 * Real local machines in tests. The Debian image is built once (test/machines-setup.ts) into
 * .cache/spuff-data and shared; each test file gets its own data dir whose images/ links to it,
 * so machines, namespaces and gc of parallel files never meet. With CI=true (`.ci/run` sets it)
 * these suites are mandatory: a host that cannot run them fails the run with the reason. Elsewhere
 * they are skipped when it cannot, and the summary line counts them as skipped.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { MachineEngine } from "../../src/machines/engine.ts";
import { type HostFacts, realHost } from "../../src/machines/host.ts";
import { type MachineLayout, machineLayout } from "../../src/machines/layout.ts";
import { isMounted, netnsExists, netnsWithPrefix } from "../../src/machines/mounts.ts";
import { pidsMentioning } from "../../src/machines/procs.ts";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export const SHARED_DATA_DIR = process.env.SPUFF_TEST_DATA_DIR || path.join(repo, ".cache", "spuff-data");
export const TEST_IMAGE = "debian-12";

/** Why this host cannot run local machines; empty when it can. */
export function machineHostProblems(h: Pick<HostFacts, "platform" | "uid" | "which"> = realHost()): string[] {
  const problems: string[] = [];
  if (h.platform !== "linux") problems.push(`platform is ${h.platform}, not linux`);
  if (h.uid !== 0) problems.push(`not root (uid ${h.uid})`);
  for (const tool of ["systemd-nspawn", "slirp4netns"])
    if (!h.which(tool)) problems.push(`${tool} not on PATH (scripts/setup-system.sh installs it)`);
  return problems;
}

export function hostCanRunMachines(): boolean {
  return machineHostProblems().length === 0;
}

/** CI runs every machine suite or fails; nothing there may skip them quietly. */
export const machinesRequired = process.env.CI === "true";

/**
 * The global set-up's verdict on a host: throws when machines are required and it cannot run
 * them, names the reasons when they will be skipped, undefined when they can run.
 */
export function machineHostVerdict(problems: string[], required: boolean): string | undefined {
  if (problems.length === 0) return undefined;
  const why = problems.join("; ");
  if (required) throw new Error(`CI must be able to run local machines, and this host cannot: ${why}`);
  return `machine suites will be skipped: ${why}`;
}

/** Run machine suites on CI always; locally only where they can work. */
export const runMachineSuites =
  machinesRequired ||
  (hostCanRunMachines() && fs.existsSync(path.join(SHARED_DATA_DIR, "images", TEST_IMAGE, "image.json")));

/** For afterAll: destroys every machine left in these data dirs, then removes the dirs. */
export async function removeDataDirs(dirs: readonly string[]): Promise<void> {
  for (const d of dirs) {
    const engine = new MachineEngine({ layout: machineLayout(d) });
    for (const m of engine.list()) await engine.destroy(m.id);
    fs.rmSync(d, { recursive: true, force: true });
  }
}

/** A fresh data dir sharing the built images. */
export function tempDataDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `spuff-${prefix}-`));
  fs.symlinkSync(path.join(SHARED_DATA_DIR, "images"), path.join(dir, "images"));
  return dir;
}

export interface Leftovers {
  machineDirs: string[];
  processes: number[];
  netns: string[];
  mounts: string[];
  claims: string[];
}

/** Everything a data dir's machines could leave behind, looked up on the host (not in records). */
export function leftovers(layout: MachineLayout): Leftovers {
  const machineDirs = fs.existsSync(layout.machinesDir) ? fs.readdirSync(layout.machinesDir) : [];
  const mountinfo = fs.readFileSync("/proc/self/mountinfo", "utf8");
  let claims: string[] = [];
  try {
    claims = fs
      .readdirSync(layout.addressesDir)
      .filter((a) =>
        fs.readFileSync(path.join(layout.addressesDir, a), "utf8").startsWith(layout.machinesDir),
      );
  } catch {
    claims = [];
  }
  return {
    machineDirs,
    processes: pidsMentioning(layout.machinesDir),
    netns: netnsWithPrefix(layout.netnsPrefix),
    mounts: mountinfo.split("\n").filter((l) => l.includes(layout.machinesDir)),
    claims,
  };
}

export const NOTHING_LEFT: Leftovers = { machineDirs: [], processes: [], netns: [], mounts: [], claims: [] };

export { isMounted, machineLayout, netnsExists };
