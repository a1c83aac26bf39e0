/**
 * StopInstances and StartInstances. Both are idempotent on an instance already where it is asked
 * to go (EC2 answers with the state unchanged); from a state they cannot leave (a pending or
 * terminated instance to stop, a stopping or terminated one to start) EC2 answers
 * IncorrectInstanceState and changes nothing, even for the other ids in the call.
 * The machine backend keeps the guest running while "stopped": power is modelled as state only.
 */
import { fail, type Input, type Op, type OpContext, strings } from "./ops-common.ts";
import { byIds } from "./ops-instances.ts";
import { stateOut } from "./shapes.ts";
import type { InstanceStateName, SimInstance } from "./state.ts";

export const powerOps: Record<string, Op> = {
  StopInstances: (ctx, input) => ({ StoppingInstances: change(ctx, input, "stop") }),
  StartInstances: (ctx, input) => ({ StartingInstances: change(ctx, input, "start") }),
};

/** The states each verb may act on; the others are refused. */
const FROM: Record<"stop" | "start", InstanceStateName[]> = {
  stop: ["running", "stopping", "stopped"],
  start: ["stopped", "pending", "running"],
};

function change(ctx: OpContext, input: Input, verb: "stop" | "start") {
  const targets = byIds(ctx, strings(input.InstanceIds));
  const before = targets.map((i) => ctx.st.instanceState(i));
  targets.forEach((i, n) => {
    if (verb === "stop" && i.spot)
      fail(
        "UnsupportedOperation",
        `You can't stop the Spot Instance '${i.id}' because it is associated with a one-time Spot Instance request. You can only stop Spot Instances associated with persistent Spot Instance requests.`,
      );
    const state = before[n] as InstanceStateName;
    if (!FROM[verb].includes(state))
      fail(
        "IncorrectInstanceState",
        `The instance '${i.id}' is not in a state from which it can be ${verb === "stop" ? "stopped" : "started"}.`,
      );
  });
  return targets.map((i, n) => {
    if (verb === "stop" && before[n] === "running") stop(ctx, i);
    if (verb === "start" && before[n] === "stopped") start(ctx, i);
    return {
      InstanceId: i.id,
      CurrentState: stateOut(ctx.st.instanceState(i)),
      PreviousState: stateOut(before[n] as InstanceStateName),
    };
  });
}

function stop({ st }: OpContext, i: SimInstance): void {
  i.ended = { at: st.timeline.now(), to: "stopped", reason: "Client.UserInitiatedShutdown" };
}

/** A start is a new launch as EC2 reports it: LaunchTime moves, pending until active again. */
function start({ st }: OpContext, i: SimInstance): void {
  i.ended = undefined;
  i.launchedAt = st.timeline.now();
}
