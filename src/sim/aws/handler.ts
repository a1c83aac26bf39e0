/**
 * EC2 Query API over AwsState: authenticate (SigV4), read the request through the model, refuse
 * what EC2 would refuse with EC2's error codes, then run the operation in the signed region.
 */
import type { SimRequest, SimResponse } from "../server.ts";
import { REGIONS } from "./catalog.ts";
import { FilterError } from "./filters.ts";
import type { Ec2Model } from "./model.ts";
import { accessOps } from "./ops-access.ts";
import { Ec2Fault, type Op } from "./ops-common.ts";
import { groupOps } from "./ops-groups.ts";
import { imageOps } from "./ops-images.ts";
import { type InstanceLimits, instanceOps } from "./ops-instances.ts";
import { powerOps } from "./ops-power.ts";
import { volumeOps } from "./ops-volumes.ts";
import { decodeQuery } from "./query.ts";
import { type Credentials, verifySigV4 } from "./sigv4.ts";
import { describeSpotPriceHistory } from "./spot.ts";
import type { AwsState } from "./state.ts";
import { type Ec2Request, ec2Error } from "./wire.ts";

export function createAwsHandler(
  st: AwsState,
  model: Ec2Model,
  creds: Credentials | undefined,
  limits: InstanceLimits,
) {
  const ops: Record<string, Op> = {
    ...instanceOps(limits),
    ...powerOps,
    ...imageOps,
    ...accessOps,
    DescribeSpotPriceHistory: describeSpotPriceHistory,
    ...groupOps,
    ...volumeOps,
  };
  return async (req: SimRequest): Promise<SimResponse> => {
    const body = req.body as Ec2Request;
    const auth = verifySigV4(req.headers, req.method, "/", req.query.toString(), body.raw, creds);
    if (!auth.ok) return ec2Error(auth.status, auth.code, auth.message);
    if (!REGIONS.includes(auth.region))
      return ec2Error(
        401,
        "AuthFailure",
        `Credential should be scoped to a valid region, not '${auth.region}'.`,
      );
    const { action, input, problems } = decodeQuery(model, body.params);
    if (!model.operations[action])
      return ec2Error(400, "InvalidAction", `The action ${action} is not valid for this web service.`);
    if (problems.length > 0) return refuse(problems);
    const op = ops[action];
    if (!op) return ec2Error(400, "UnsupportedOperation", `The simulator does not implement ${action}.`);
    if (input.DryRun === true)
      return ec2Error(412, "DryRunOperation", "Request would have succeeded, but DryRun flag is set.");
    try {
      await st.settleReclaims();
      const output = await op({ st, region: auth.region }, input);
      return { status: 200, body: { action, output } };
    } catch (err) {
      if (err instanceof Ec2Fault) return ec2Error(err.status, err.code, err.message);
      if (err instanceof FilterError) return ec2Error(400, "InvalidParameterValue", err.message);
      throw err;
    }
  };
}

/** The error EC2 gives a malformed request: the first problem decides the code. */
function refuse(problems: string[]): SimResponse {
  const first = problems[0] ?? "";
  if (/missing required (\w+)/.test(first))
    return ec2Error(
      400,
      "MissingParameter",
      `The request must contain the parameter ${/missing required (\w+)/.exec(first)?.[1]}`,
    );
  if (/unknown parameter/.test(first))
    return ec2Error(400, "UnknownParameter", `The parameter ${first.split(":")[0]} is not recognized`);
  return ec2Error(400, "InvalidParameterValue", problems.join("; "));
}
