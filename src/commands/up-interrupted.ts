/**
 * What `spuff up` does after Ctrl-C/SIGTERM (the mechanics are in up/interrupt.ts): on a terminal
 * it asks whether to destroy or keep the instance; with --json or without a terminal it destroys
 * and forgets it. Always ends in a CancelledError (exit 130).
 */
import type { Deps } from "../cli/deps.ts";
import { CancelledError, isSpuffError } from "../core/errors.ts";
import { goneTimeoutMs, resyncSshFiles } from "../gc/discard.ts";
import type { Provider } from "../providers/types.ts";
import type { InstanceStore } from "../state/instances.ts";
import { type InterruptChoice, isUpInterrupted, settleInterrupted } from "../up/interrupt.ts";

export async function settleIfInterrupted(
  deps: Deps,
  err: unknown,
  o: { store: InstanceStore; provider: Provider; signal: NodeJS.Signals | undefined },
): Promise<never> {
  if (!isUpInterrupted(err)) throw err;
  const signal = o.signal ?? "SIGINT";
  const interactive = !deps.json && deps.io.stdinIsTTY && deps.io.stderrIsTTY;
  const settings = await deps.settings();
  let outcome: Awaited<ReturnType<typeof settleInterrupted>>;
  try {
    outcome = await settleInterrupted(err, {
      store: o.store,
      provider: o.provider,
      clock: deps.clock,
      goneTimeoutMs: goneTimeoutMs(settings),
      choose: interactive ? ask : async () => "destroy",
    });
  } catch (cause) {
    const name = (err.recordId ? o.store.get(err.recordId)?.name : undefined) ?? "<name from spuff list>";
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new CancelledError(`spuff up interrupted; destroying the instance failed: ${why}`, {
      cause,
      hint: `It is still in local state: retry with \`spuff gc\` or \`spuff down ${name}\`.${isSpuffError(cause) && cause.hint ? `\n${cause.hint}` : ""}`,
      details: { signal, destroyed: false },
    });
  }
  if (outcome?.choice === "destroy") {
    resyncSshFiles(deps.paths, o.store, settings);
  }
  if (deps.json) {
    const line = {
      event: "interrupted",
      signal,
      ...(outcome ?? { name: null, choice: "none" }),
    };
    deps.io.out.write(`${JSON.stringify(line)}\n`);
  }
  const said =
    outcome === undefined
      ? "nothing had been created"
      : outcome.choice === "keep"
        ? `${outcome.name} is kept (see \`spuff list\`; end it with \`spuff down ${outcome.name}\`)`
        : outcome.destroyed
          ? `${outcome.name} was destroyed and forgotten`
          : `nothing had been created for ${outcome.name}; its record was removed`;
  throw new CancelledError(`spuff up interrupted (${signal}): ${said}.`, {
    details: { signal, ...(outcome ?? {}) },
  });
}

async function ask(name: string, providerId: string | null): Promise<InterruptChoice> {
  const p = await import("@clack/prompts");
  const what = providerId ? `${name} (provider id ${providerId})` : name;
  const answer = await p.select({
    message: `Interrupted. What should happen to ${what}?`,
    options: [
      { value: "destroy", label: "Destroy it", hint: "stop the bill now" },
      { value: "keep", label: "Keep it", hint: "inspect it; `spuff down` later" },
    ],
    initialValue: "destroy",
  });
  // Ctrl-C at the prompt keeps it: the record stays in state, nothing is abandoned.
  return p.isCancel(answer) ? "keep" : (answer as InterruptChoice);
}
