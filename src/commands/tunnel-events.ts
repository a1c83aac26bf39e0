/**
 * What `tunnel --auto` tells the user, one event per change: a human line (forward/drop on stdout,
 * the connection's ups and downs on stderr) or, with --json, one NDJSON object per event on stdout.
 * Process names come from the VM: escaped before a terminal sees them.
 */
import type { IO } from "../core/io.ts";
import { visible } from "../core/visible.ts";

/** Why a port is forwarded: the agent saw it, spuff.yaml lists it, or `-p` asked for it. */
export type ForwardSource = "auto" | "project" | "flag";

export type TunnelEvent =
  | {
      event: "forward";
      name: string;
      remote: number;
      remote_host: string;
      local: number;
      local_host: string;
      source: ForwardSource;
      pid?: number;
      command?: string;
    }
  | { event: "drop"; name: string; remote: number; local: number; local_host: string }
  | { event: "following"; name: string }
  | { event: "skipped"; name: string; count: number; max: number }
  | { event: "reconnecting"; name: string; attempt: number; of: number; delay_ms: number; reason: string }
  | { event: "reconnected"; name: string };

const SOURCE_LABEL: Record<ForwardSource, string> = { auto: "", project: "spuff.yaml", flag: "-p" };

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

export function humanLine(e: TunnelEvent): { stream: "out" | "err"; text: string } {
  switch (e.event) {
    case "forward": {
      const why =
        e.source === "auto" ? `${visible(e.command ?? "?")}, pid ${e.pid ?? "?"}` : SOURCE_LABEL[e.source];
      return {
        stream: "out",
        text: `+ ${e.local_host}:${e.local} → ${e.name}:${e.remote} (${why})`,
      };
    }
    case "drop":
      return {
        stream: "out",
        text: `- ${e.local_host}:${e.local} → ${e.name}:${e.remote} (no longer listening)`,
      };
    case "following":
      return {
        stream: "err",
        text: `Following the ports ${e.name}'s processes listen on. Press Ctrl-C to stop.`,
      };
    case "skipped":
      return {
        stream: "err",
        text: `${e.count} more listening port(s) on ${e.name} not forwarded: at most ${e.max} at once.`,
      };
    case "reconnecting":
      return {
        stream: "err",
        text: `Lost the connection to ${e.name} (${visible(e.reason)}); reconnecting in ${seconds(e.delay_ms)} (attempt ${e.attempt} of ${e.of}).`,
      };
    case "reconnected":
      return { stream: "err", text: `Reconnected to ${e.name}.` };
  }
}

export function eventWriter(io: IO, json: boolean): (e: TunnelEvent) => void {
  return (e) => {
    if (json) {
      io.out.write(`${JSON.stringify(e)}\n`);
      return;
    }
    const { stream, text } = humanLine(e);
    io[stream].write(`${text}\n`);
  };
}
