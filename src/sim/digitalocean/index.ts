/**
 * A stateful DigitalOcean API simulator on loopback, validated against the vendor OpenAPI spec.
 * Point the real client at it with DIGITALOCEAN_API_URL=<url>.
 */
import { systemClock } from "../../core/clock.ts";
import { noneBackend } from "../backend.ts";
import { FaultInjector } from "../faults.ts";
import type { SimOptions } from "../options.ts";
import { type SimServer, startSimServer } from "../server.ts";
import { SpecValidator } from "../spec-validator.ts";
import { Timeline } from "../timeline.ts";
import type { ScopedToken } from "./auth.ts";
import { createDoHandler } from "./handler.ts";
import { createDoMetadataHandler, METADATA_CODEC } from "./metadata.ts";
import { errorBody } from "./shapes.ts";
import { DoState } from "./state.ts";

export const DO_SPEC = "digitalocean-openapi.spuff.deref.json";

export interface DigitalOceanSimOptions extends SimOptions {
  /** Custom-scoped tokens (a reaper token with `droplet:delete`), checked against the spec's scopes. */
  scopedTokens?: ScopedToken[];
  /** Port of the metadata service (default: any free one). */
  metadataPort?: number;
}

export interface DigitalOceanSim extends SimServer {
  /** Base URL of the Droplet Metadata service (what http://169.254.169.254 is on a droplet). */
  metadataUrl: string;
  /** Requests the metadata service got, with the caller's address. */
  metadataRequests: SimServer["requests"];
  token: string;
  state: DoState;
  validator: SpecValidator | undefined;
  faults: FaultInjector;
}

const ERROR_IDS: Record<number, string> = {
  400: "bad_request",
  429: "too_many_requests",
  500: "server_error",
};

export async function startDigitalOceanSim(o: DigitalOceanSimOptions = {}): Promise<DigitalOceanSim> {
  const clock = o.clock ?? systemClock;
  const token = o.token ?? "dop_v1_simulator_token";
  const backend = o.backend ?? noneBackend();
  const state = new DoState(
    new Timeline({ clock, activeAfterMs: o.activeAfterMs, actionAfterMs: o.actionAfterMs }),
    backend,
  );
  const validator =
    o.validate === false ? undefined : new SpecValidator({ spec: DO_SPEC, specsDir: o.specsDir });
  const faults = new FaultInjector(o.faults);
  // Scopes come from the spec; without validation a scoped token is loaded only to look them up.
  const scopes =
    validator ??
    (o.scopedTokens?.length ? new SpecValidator({ spec: DO_SPEC, specsDir: o.specsDir }) : undefined);
  let remaining = 5000;
  const server = await startSimServer({
    port: o.port,
    handler: createDoHandler(state, {
      token,
      scoped: o.scopedTokens,
      scopesFor: scopes && ((method, path) => scopes.scopes(method, path)),
    }),
    errorBody: (status, message) => errorBody(ERROR_IDS[status] ?? "error", message),
    headers: () => ({
      "ratelimit-limit": "5000",
      "ratelimit-remaining": String(Math.max(0, --remaining)),
      "ratelimit-reset": String(Math.ceil(clock.now() / 1000) + 60),
    }),
    faults,
    validator,
    strict: o.strict,
  });
  const metadata = await startSimServer({
    port: o.metadataPort,
    handler: createDoMetadataHandler(state),
    errorBody: (_status, message) => message,
    codec: METADATA_CODEC,
  });
  // Stopping the simulator stops the machines it booted: nothing outlives it.
  const close = async () => {
    await server.close();
    await metadata.close();
    await backend.close();
  };
  return {
    ...server,
    requests: server.requests,
    metadataUrl: metadata.url,
    metadataRequests: metadata.requests,
    close,
    token,
    state,
    validator,
    faults,
  };
}
