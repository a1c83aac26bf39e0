/**
 * `spuff local list|destroy|gc`: the real machines behind the `local` provider, seen from the
 * machine engine (useful when state and machines disagree, e.g. after a crash).
 */
import type { Deps } from "../cli/deps.ts";
import { printJson, renderTable } from "../core/io.ts";
import { MachineEngine } from "../machines/engine.ts";
import { machineLayout } from "../machines/layout.ts";

const engineFor = (deps: Deps) => new MachineEngine({ layout: machineLayout(deps.paths.dataDir) });

export async function runLocalList(deps: Deps): Promise<void> {
  const engine = engineFor(deps);
  const machines = engine.list().map((m) => ({ ...m, running: engine.isRunning(m) }));
  if (deps.json) return printJson(deps.io, machines);
  if (machines.length === 0) {
    deps.io.err.write("No local machines.\n");
    return;
  }
  deps.io.out.write(
    renderTable(
      ["ID", "NAME", "BACKEND", "ADDRESS", "STATE", "IMAGE", "CREATED"],
      machines.map((m) => [
        m.id,
        m.name,
        m.driver,
        m.address || "-",
        m.state === "running" && !m.running ? "stopped" : m.state,
        m.image,
        m.createdAt,
      ]),
    ),
  );
}

export async function runLocalDestroy(deps: Deps, ids: string[]): Promise<void> {
  const engine = engineFor(deps);
  for (const id of ids) {
    engine.require(id);
    await engine.destroy(id);
    if (!deps.json) deps.io.out.write(`Destroyed local machine ${id}\n`);
  }
  if (deps.json) printJson(deps.io, { destroyed: ids });
}

export async function runLocalGc(deps: Deps): Promise<void> {
  const report = await engineFor(deps).gc();
  if (deps.json) return printJson(deps.io, report);
  const total =
    report.machines.length +
    report.netns.length +
    report.mounts.length +
    report.addresses.length +
    report.volumes.length;
  if (total === 0) {
    deps.io.out.write("Nothing to clean.\n");
    return;
  }
  for (const id of report.machines) deps.io.out.write(`Removed interrupted or stopped machine ${id}\n`);
  for (const n of report.netns) deps.io.out.write(`Removed orphan network namespace ${n}\n`);
  for (const m of report.mounts) deps.io.out.write(`Unmounted orphan mount ${m}\n`);
  for (const v of report.volumes)
    deps.io.out.write(`Released volume ${v} from a machine that is gone (kept)\n`);
  for (const a of report.addresses) deps.io.out.write(`Freed address ${a}\n`);
}
