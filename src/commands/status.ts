/** `spuff status [name]`: the local view of one instance. */
import type { Deps } from "../cli/deps.ts";
import { formatDuration } from "../core/duration.ts";
import { printJson } from "../core/io.ts";
import { age, instanceJson } from "./present-instance.ts";
import { resolveInstance } from "./resolve-instance.ts";

export async function runStatus(deps: Deps, name: string | undefined): Promise<void> {
  const r = await resolveInstance(deps, name);
  if (deps.json) return printJson(deps.io, { instance: instanceJson(r) });
  const now = deps.clock.now();
  const rows: [string, string][] = [
    ["Name", r.name],
    ["Status", r.status + (r.phase ? ` (phase: ${r.phase})` : "")],
    ["Provider", `${r.provider}${r.providerId ? ` (id ${r.providerId})` : ""}`],
    ["Region / size", `${r.region} / ${r.size}`],
    ["Address", r.ip ? `${r.sshUser}@${r.ip}${r.sshPort === 22 ? "" : `:${r.sshPort}`}` : "-"],
    ["Age", age(r.createdAt, now)],
  ];
  if (r.deadlineAt)
    rows.push([
      "Deadline",
      `${r.deadlineAt} (in ${formatDuration(Math.max(0, Date.parse(r.deadlineAt) - now))})`,
    ]);
  if (r.idleTimeoutMs) rows.push(["Idle timeout", formatDuration(r.idleTimeoutMs)]);
  if (r.error) rows.push(["Last error", r.error]);
  const width = Math.max(...rows.map(([k]) => k.length));
  deps.io.out.write(rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n") + "\n");
}
