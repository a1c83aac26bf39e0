/**
 * `spuff logs [name] [-n N] [-f] [--file PATH]`: the tail of a log on the VM (default the
 * cloud-init output log) from the agent's GET /logs, through the pinned tunnel with the token.
 * `-f` keeps polling and prints what is appended until Ctrl-C (then exits 0).
 */
import type { Deps } from "../cli/deps.ts";
import { UsageError, UserError } from "../core/errors.ts";
import { onInterrupt } from "../core/interrupt.ts";
import { printJson } from "../core/io.ts";
import type { AgentClient } from "../ssh/agent-client.ts";
import { withAgent } from "./agent-session.ts";
import { type Chunk, followLogs, type Tail } from "./logs-follow.ts";
import { currentSetupStep, fetchChecklist, findBundle, stepHeader } from "./logs-steps.ts";
import { resolveInstance } from "./resolve-instance.ts";

export interface LogsOptions {
  follow?: boolean;
  /** Lines to show (the agent caps it at 10 000). */
  lines?: string;
  /** Absolute path under the VM's /var/log (the agent refuses anything else). */
  file?: string;
  /** The spuff.yaml setup steps' logs (logs-steps.ts). */
  setup?: boolean;
  /** One tool bundle's log. */
  bundle?: string;
}

/** Where the agent reads when no file is named (its own default, stated here for the output). */
export const DEFAULT_LOG_FILE = "/var/log/cloud-init-output.log";

export function parseLineCount(raw: string | undefined, fallback = 100): number {
  if (raw === undefined) return fallback;
  if (!/^\d{1,5}$/.test(raw) || Number(raw) < 1 || Number(raw) > 10_000)
    throw new UsageError(`-n must be a whole number from 1 to 10000, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

export function fetchLogTail(agent: AgentClient, lines: number, file?: string): Promise<string[]> {
  const q = new URLSearchParams({ lines: String(lines) });
  if (file) q.set("file", file);
  return agent.get<{ lines: string[] }>(`/logs?${q}`).then((b) => b.lines);
}

/** The tail plus the byte offset after it, where following continues. */
export async function fetchLogTailAt(agent: AgentClient, lines: number, file: string): Promise<Tail> {
  const q = new URLSearchParams({ lines: String(lines), file });
  const tail = await agent.get<Tail>(`/logs?${q}`);
  // An agent from before offsets answers the tail alone; following it would repeat the tail.
  if (!Number.isSafeInteger(tail.offset))
    throw new UserError("agent_outdated", "This machine's spuff-agent cannot follow logs by offset.", {
      hint: "Recreate the machine (spuff down, spuff up) for the current agent; `spuff logs` without -f works.",
    });
  return tail;
}

/** What was appended to `file` from byte `offset` on. */
export function fetchLogFrom(agent: AgentClient, offset: number, file: string): Promise<Chunk> {
  const q = new URLSearchParams({ offset: String(offset), file });
  return agent.get<Chunk>(`/logs?${q}`);
}

export async function runLogs(deps: Deps, name: string | undefined, opts: LogsOptions = {}): Promise<void> {
  const lines = parseLineCount(opts.lines);
  if ([opts.file, opts.setup, opts.bundle].filter((x) => x !== undefined && x !== false).length > 1)
    throw new UsageError("Use one of --file, --setup and --bundle.");
  const rec = await resolveInstance(deps, name);
  await withAgent(deps, rec, async (agent) => {
    let file = opts.file ?? DEFAULT_LOG_FILE;
    if (opts.bundle !== undefined) file = findBundle(await fetchChecklist(agent), opts.bundle).log as string;
    if (opts.setup) {
      const checklist = await fetchChecklist(agent);
      if (opts.follow) file = currentSetupStep(checklist).log as string;
      else {
        // Every step that has a log, in order, each under a header naming it and its status.
        const steps = await Promise.all(
          checklist.setup.map(async (s) => ({
            ...s,
            lines:
              s.log && s.status !== "pending" && s.status !== "skipped"
                ? await fetchLogTail(agent, lines, s.log)
                : [],
          })),
        );
        if (deps.json) return printJson(deps.io, { name: rec.name, steps });
        for (const s of steps)
          deps.io.out.write(`${stepHeader(s)}\n${s.lines.map((l) => `${l}\n`).join("")}`);
        return;
      }
    }
    if (!opts.follow) {
      const got = await fetchLogTail(agent, lines, file);
      if (deps.json) return printJson(deps.io, { name: rec.name, file, lines: got });
      if (got.length > 0) deps.io.out.write(`${got.join("\n")}\n`);
      return;
    }
    const interrupt = onInterrupt();
    try {
      await followLogs({
        fetchTail: (n) => fetchLogTailAt(agent, n, file),
        fetchFrom: (offset) => fetchLogFrom(agent, offset, file),
        onReset: () => deps.io.err.write(`${file} was truncated or replaced: reading it from the start\n`),
        // --json while following: NDJSON, one line per log line, so a reader can stream it.
        emit: (batch) =>
          deps.io.out.write(
            deps.json
              ? batch.map((line) => `${JSON.stringify({ name: rec.name, file, line })}\n`).join("")
              : `${batch.join("\n")}\n`,
          ),
        clock: deps.clock,
        signal: interrupt.signal,
        initial: lines,
      });
    } finally {
      interrupt.dispose();
    }
  });
}
