/**
 * When and how the VM ends itself, as a pure function of time, settings and the last activity.
 * Upstream only ran `shutdown -h now`, which leaves DigitalOcean/Hetzner machines powered off but
 * still billed; here a "destroy" teardown on those providers deletes the server through the API
 * when a reaper token was provisioned, and otherwise powers off and records why.
 */
import { providerEntry } from "../providers/catalog.ts";
import type { AgentSettings } from "./config.ts";

export type TeardownReason = "idle_timeout" | "max_lifetime";
export type TeardownAction = "poweroff" | "delete-via-api";

export type Decision =
  | { kind: "none"; deadline: number | null; reason: TeardownReason | null }
  | { kind: "warn"; deadline: number; reason: TeardownReason; message: string }
  | { kind: "act"; deadline: number; reason: TeardownReason; action: TeardownAction; note: string };

export interface DecisionInput {
  now: number;
  settings: AgentSettings;
  /** Epoch ms of the latest activity (IdleTracker.snapshot().last_activity). */
  lastActivity: number;
  reaperTokenAvailable: boolean;
  /** Deadline a warning was already broadcast for, so each deadline is announced once. */
  warnedDeadline: number | null;
}

export function chooseAction(settings: AgentSettings, reaperTokenAvailable: boolean) {
  if (settings.teardown === "poweroff") return { action: "poweroff" as const, note: "teardown=poweroff" };
  // Providers whose API can delete the server from inside it (token + metadata service).
  if (providerEntry(settings.provider)?.agentDelete) {
    if (reaperTokenAvailable)
      return { action: "delete-via-api" as const, note: `delete ${settings.provider} server` };
    return {
      action: "poweroff" as const,
      note: `no reaper token for ${settings.provider}: powered off instead (the server is still billed)`,
    };
  }
  // AWS instances are launched with shutdown behaviour "terminate"; local machines just stop.
  return { action: "poweroff" as const, note: `${settings.provider}: poweroff ends the machine` };
}

/** The earliest enabled deadline (0 seconds = that limit is off) and why. */
export function nextDeadline(settings: AgentSettings, lastActivity: number) {
  const candidates: { at: number; reason: TeardownReason }[] = [];
  if (settings.idle_timeout_seconds > 0) {
    candidates.push({ at: lastActivity + settings.idle_timeout_seconds * 1000, reason: "idle_timeout" });
  }
  if (settings.max_lifetime_seconds > 0) {
    candidates.push({
      at: settings.created_at + settings.max_lifetime_seconds * 1000,
      reason: "max_lifetime",
    });
  }
  candidates.sort((a, b) => a.at - b.at);
  return candidates[0];
}

export function decideTeardown(input: DecisionInput): Decision {
  const next = nextDeadline(input.settings, input.lastActivity);
  if (!next) return { kind: "none", deadline: null, reason: null };
  if (input.now >= next.at) {
    const { action, note } = chooseAction(input.settings, input.reaperTokenAvailable);
    return { kind: "act", deadline: next.at, reason: next.reason, action, note };
  }
  const warnMs = input.settings.warn_minutes * 60_000;
  if (warnMs > 0 && input.now >= next.at - warnMs && input.warnedDeadline !== next.at) {
    const minutes = Math.max(1, Math.ceil((next.at - input.now) / 60_000));
    const message =
      next.reason === "idle_timeout"
        ? `spuff: this machine will shut down in ${minutes} minute(s) because it has been idle. Type in a terminal or run \`spuff-keepalive\` to keep it.`
        : `spuff: this machine reaches its maximum lifetime in ${minutes} minute(s) and will shut down. Save your work.`;
    return { kind: "warn", deadline: next.at, reason: next.reason, message };
  }
  return { kind: "none", deadline: next.at, reason: next.reason };
}
