/**
 * A stateful Hetzner Cloud API simulator on loopback, validated against the vendor OpenAPI spec.
 * It serves the API under /v1 like api.hetzner.cloud, so point a client at it with
 * HCLOUD_ENDPOINT=<url>/v1 (`endpoint` below), the variable the official `hcloud` CLI reads too.
 */
import { systemClock } from "../../core/clock.ts";
import { noneBackend } from "../backend.ts";
import { FaultInjector } from "../faults.ts";
import type { SimOptions } from "../options.ts";
import { type SimServer, startSimServer } from "../server.ts";
import type { SpecValidator } from "../spec-validator.ts";
import { Timeline } from "../timeline.ts";
import { hetznerListConventions, widenIdOrName } from "./conventions.ts";
import { HetznerSpecValidator } from "./error-codes.ts";
import { createHetznerHandler } from "./handler.ts";
import { RateLimiter, type RateLimitOptions } from "./rate-limit.ts";
import { seedSystemImages } from "./servers.ts";
import { errorBody } from "./shapes.ts";
import { HetznerState } from "./state.ts";

export const HETZNER_SPEC = "hetzner-cloud-openapi.spuff.json";

export interface HetznerSimOptions extends SimOptions {
  rateLimit?: RateLimitOptions;
  /** The project's server limit; creating more answers 403 resource_limit_exceeded (default 1000). */
  maxServers?: number;
}

export interface HetznerSim extends SimServer {
  /** Base URL including /v1: what HCLOUD_ENDPOINT takes. */
  endpoint: string;
  token: string;
  state: HetznerState;
  validator: SpecValidator | undefined;
  faults: FaultInjector;
  limiter: RateLimiter;
}

/** Codes for the statuses the frame answers itself (strict-mode 400, injected 429/500). */
const ERROR_CODES: Record<number, string> = {
  400: "json_error",
  429: "rate_limit_exceeded",
  500: "server_error",
};

export async function startHetznerSim(o: HetznerSimOptions = {}): Promise<HetznerSim> {
  const clock = o.clock ?? systemClock;
  // The official CLI refuses tokens that are not 64 characters long.
  const token = o.token ?? "hcloudsimulatortoken0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH";
  const backend = o.backend ?? noneBackend();
  const state = new HetznerState(
    new Timeline({ clock, activeAfterMs: o.activeAfterMs, actionAfterMs: o.actionAfterMs }),
    backend,
  );
  seedSystemImages(state, clock.now());
  // A guest that powers itself off (the agent's poweroff fallback) leaves an "off" server that
  // still exists, and still bills, until it is deleted.
  backend.onStopped?.((id) => {
    const s = state.servers.get(Number(id));
    if (s) s.poweredOff = true;
  });
  const validator =
    o.validate === false
      ? undefined
      : new HetznerSpecValidator({
          spec: HETZNER_SPEC,
          specsDir: o.specsDir,
          conventions: hetznerListConventions(o.specsDir),
          adjust: widenIdOrName,
        });
  const faults = new FaultInjector(o.faults);
  const limiter = new RateLimiter(clock, o.rateLimit);
  const server = await startSimServer({
    port: o.port,
    handler: createHetznerHandler(state, { token, limiter, maxServers: o.maxServers ?? 1000 }),
    errorBody: (status, message) => errorBody(ERROR_CODES[status] ?? "server_error", message),
    headers: () => limiter.headers(),
    faults,
    validator,
    strict: o.strict,
  });
  return {
    ...server,
    requests: server.requests,
    // Stopping the simulator stops the machines it booted: nothing outlives it.
    close: async () => {
      await server.close();
      await backend.close();
    },
    endpoint: `${server.url}/v1`,
    token,
    state,
    validator,
    faults,
    limiter,
  };
}
