/**
 * Checks on the reaper token before anything is created (planUp): it must be a token of its own,
 * never the API token spuff itself uses (that one can create, resize and delete everything), and
 * it is only ever sent over https (plain http only to loopback, where the simulators run).
 */
import { tokenUrlAllowed } from "../agent/token-url.ts";
import type { Settings } from "../config/resolve.ts";
import { ConfigError } from "../core/errors.ts";

export function checkReaperToken(settings: Settings): void {
  const reaper = settings.reaperToken;
  if (!reaper) return;
  const same = Object.values(settings.tokens).find((t) => t?.value === reaper.value);
  if (same) {
    throw new ConfigError(
      "reaper_token_is_api_token",
      `The reaper token (${reaper.name}) is the same as the API token (${same.name}).`,
      {
        hint:
          "The reaper token sits on the VM, where anything running as root can read it: give it a token of " +
          "its own with the least power (DigitalOcean: a custom-scoped token with droplet:delete only; " +
          "Hetzner: a token of a project used only for spuff). Or unset it: the agent then powers off.",
      },
    );
  }
  const api = settings.agentEndpoints?.api;
  if (api && !tokenUrlAllowed(api)) {
    throw new ConfigError(
      "reaper_token_insecure_url",
      `The agent would send the reaper token to ${api}: not https.`,
      {
        hint: "Set SPUFF_AGENT_API_URL to an https URL (plain http only to loopback, for simulators), or unset it.",
      },
    );
  }
}
