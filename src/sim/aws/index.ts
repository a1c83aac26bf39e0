/**
 * A stateful EC2 simulator on loopback speaking the EC2 Query protocol, with every request and
 * response checked against the botocore model. Point the SDK or awscli at it with
 * AWS_ENDPOINT_URL_EC2=<url> / `--endpoint-url <url>` and the simulator's access key.
 */
import { systemClock } from "../../core/clock.ts";
import { noneBackend } from "../backend.ts";
import { FaultInjector } from "../faults.ts";
import type { SimOptions } from "../options.ts";
import { type SimServer, startSimServer } from "../server.ts";
import { Timeline } from "../timeline.ts";
import { createAwsHandler } from "./handler.ts";
import { createImdsHandler, IMDS_CODEC } from "./imds.ts";
import { loadEc2Model } from "./model.ts";
import { AwsState } from "./state.ts";
import { Ec2ModelValidator } from "./validator.ts";
import { ec2Codec, ec2Error } from "./wire.ts";

export interface AwsSimOptions extends SimOptions {
  /** `token` is the access key id clients must sign with; this is its secret. */
  secretAccessKey?: string;
  /** Live instances allowed per region before RunInstances answers InstanceLimitExceeded. */
  maxInstances?: number;
  /** Port of the instance metadata service (default: any free one). */
  metadataPort?: number;
}

export interface AwsSim extends SimServer {
  accessKeyId: string;
  secretAccessKey: string;
  state: AwsState;
  validator: Ec2ModelValidator | undefined;
  faults: FaultInjector;
  /** Base URL of the instance metadata service (what http://169.254.169.254 is on an instance). */
  metadataUrl: string;
  /** Requests the metadata service got, with the caller's address. */
  metadataRequests: SimServer["requests"];
}

/** The key pair clients sign with unless the simulator is given others (dummy values, loopback only). */
export const SIM_ACCESS_KEY_ID = "AKIASPUFFSIMULATOR01";
export const SIM_SECRET_ACCESS_KEY = "spuff/simulator/secret/access/key/0000000";

export async function startAwsSim(o: AwsSimOptions = {}): Promise<AwsSim> {
  const clock = o.clock ?? systemClock;
  const accessKeyId = o.token ?? SIM_ACCESS_KEY_ID;
  const secretAccessKey = o.secretAccessKey ?? SIM_SECRET_ACCESS_KEY;
  const backend = o.backend ?? noneBackend();
  const state = new AwsState(
    new Timeline({ clock, activeAfterMs: o.activeAfterMs, actionAfterMs: o.actionAfterMs }),
    backend,
  );
  // A guest that powers itself off ends its instance the way EC2 would (see AwsState.guestStopped).
  backend.onStopped?.((id) => void state.guestStopped(id));
  const model = loadEc2Model(o.specsDir);
  const validator = o.validate === false ? undefined : new Ec2ModelValidator(model);
  const faults = new FaultInjector(o.faults);
  const server = await startSimServer({
    port: o.port,
    handler: createAwsHandler(
      state,
      model,
      { accessKeyId, secretAccessKey },
      { maxInstances: o.maxInstances ?? 1000 },
    ),
    codec: ec2Codec(model),
    errorBody: (status, message) =>
      ec2Error(status, status === 400 ? "InvalidParameterValue" : "InternalError", message).body,
    // EC2 throttles with 503 RequestLimitExceeded (no Retry-After) and fails with 500 InternalError.
    faultResponse: (fault) =>
      fault === "429"
        ? ec2Error(503, "RequestLimitExceeded", "Request limit exceeded.")
        : ec2Error(500, "InternalError", "An internal error has occurred"),
    faults,
    validator,
    strict: o.strict,
    backend,
  });
  const metadata = await startSimServer({
    port: o.metadataPort,
    handler: createImdsHandler(state),
    errorBody: (_status, message) => message,
    codec: IMDS_CODEC,
  });
  return {
    ...server,
    requests: server.requests,
    metadataUrl: metadata.url,
    metadataRequests: metadata.requests,
    // The API server closes the backend (its machines); the metadata service goes first.
    close: async () => {
      await metadata.close();
      await server.close();
    },
    accessKeyId,
    secretAccessKey,
    state,
    validator,
    faults,
  };
}
