/**
 * `spuff agent status|metrics|processes|logs [name]`: the agent's own endpoints, raw, through the
 * pinned tunnel with the token. --json prints the agent's body unchanged; the human form is a
 * plain rendering of the same fields (nothing added, nothing dropped).
 */
import type { Deps } from "../cli/deps.ts";
import { printJson, renderTable } from "../core/io.ts";
import { visible } from "../core/visible.ts";
import { withAgent } from "./agent-session.ts";
import { DEFAULT_LOG_FILE, fetchLogTail, parseLineCount } from "./logs.ts";
import { resolveInstance } from "./resolve-instance.ts";

export const AGENT_ENDPOINTS = ["status", "metrics", "processes", "logs"] as const;
export type AgentEndpoint = (typeof AGENT_ENDPOINTS)[number];

export interface AgentOptions {
  lines?: string;
}

export async function runAgent(
  deps: Deps,
  endpoint: AgentEndpoint,
  name: string | undefined,
  opts: AgentOptions = {},
): Promise<void> {
  const rec = await resolveInstance(deps, name);
  const body = await withAgent(deps, rec, (agent) =>
    endpoint === "logs"
      ? fetchLogTail(agent, parseLineCount(opts.lines), DEFAULT_LOG_FILE).then((lines) => ({ lines }))
      : agent.get(`/${endpoint}`),
  );
  if (deps.json) return printJson(deps.io, body);
  deps.io.out.write(renderAgentBody(body));
}

/** Arrays of records as a table, `lines` as text, objects as `key  value` rows (nested as JSON). */
export function renderAgentBody(body: unknown): string {
  if (Array.isArray(body)) {
    if (body.length === 0) return "(none)\n";
    const headers = Object.keys(body[0] as object);
    return renderTable(
      headers.map((h) => visible(h.toUpperCase())),
      body.map((row) => headers.map((h) => cell((row as Record<string, unknown>)[h]))),
    );
  }
  if (body && typeof body === "object") {
    const entries = Object.entries(body);
    if (entries.length === 1 && entries[0]?.[0] === "lines" && Array.isArray(entries[0][1]))
      return (entries[0][1] as string[]).map((l) => `${l}\n`).join("");
    const width = Math.max(...entries.map(([k]) => k.length));
    return entries.map(([k, v]) => `${visible(k).padEnd(width)}  ${cell(v)}\n`).join("");
  }
  return `${cell(body)}\n`;
}

/** Values come from the VM (a process name is whatever its root chose): escaped for the terminal. */
const cell = (v: unknown): string =>
  v === null || v === undefined ? "-" : visible(typeof v === "object" ? JSON.stringify(v) : String(v));
