/**
 * `spuff up [name]`: plan (commands/up-plan.ts: everything decided, `--dry-run` prints it), check
 * what must hold before anything is billed, then apply (up/apply.ts, the phases), render progress
 * and connect. Ctrl-C/SIGTERM while applying: up/interrupt.ts traps it, the phase stops, and
 * commands/up-interrupted.ts destroys or keeps what was created.
 */
import type { Deps } from "../cli/deps.ts";
import { UserError } from "../core/errors.ts";
import { saveProjectRecord } from "../project/record.ts";
import { providerFromDeps } from "../providers/from-deps.ts";
import type { Connection } from "../ssh/connection.ts";
import { hostAlias } from "../ssh/ssh-config.ts";
import { findAgentBundle } from "../up/agent-install.ts";
import { addressSource, assertSshAllowed, currentAddress } from "../up/allow-from.ts";
import { applyUp, type UpResult } from "../up/apply.ts";
import { trapInterrupts } from "../up/interrupt.ts";
import { phasesFor } from "../up/phases.ts";
import { checkVolumeBeforeUp } from "../up/volume.ts";
import { ensureProjectTrusted } from "./trust.ts";
import { enforceBudget } from "./up-budget.ts";
import { applyDepsFor } from "./up-deps.ts";
import { settleIfInterrupted } from "./up-interrupted.ts";
import { planFromCommand, printDryRun, type UpCommandOptions } from "./up-plan.ts";
import { placePreDown } from "./up-pre-down.ts";
import { withPrebuild } from "./up-prebuild.ts";
import { createUpProgress } from "./up-progress.ts";
import { reportSetup, setupJson } from "./up-setup.ts";
import { spotLines, spotQuote } from "./up-spot.ts";

export type { UpCommandOptions } from "./up-plan.ts";

export async function runUp(deps: Deps, name: string | undefined, opts: UpCommandOptions): Promise<void> {
  const first = await planFromCommand(deps, name, opts);
  if (opts.dryRun) return printDryRun(deps, first);
  const { settings, plan, project } = first;
  // The project file runs nothing unless its exact content is approved (asks on a terminal).
  await ensureProjectTrusted(deps, project);

  // Pre-create checks: nothing billable happens unless every one holds.
  const store = await deps.state();
  if (store.getByName(plan.name)) {
    throw new UserError("instance_exists", `An instance named ${plan.name} already exists.`, {
      hint: `Pick another name, or remove it first: spuff down ${plan.name}`,
    });
  }
  // SSH from here must pass the firewall `ssh.allow_from` narrows (learned only when it is set).
  if (plan.sshAllowFrom) assertSshAllowed(plan.sshAllowFrom, await currentAddress(addressSource(deps.env)));
  const agentBundle = findAgentBundle(deps.env);
  const provider = await providerFromDeps(deps, settings.provider);
  await enforceBudget(deps, settings, plan, provider, store, opts.ignoreBudget === true);
  const spot = await spotQuote(deps, plan);
  if (spot && !deps.json) deps.io.err.write(`Spot machine ${plan.name}:\n${spotLines(spot)}`);
  if (plan.volume) await checkVolumeBeforeUp(provider, plan.volume, plan.region);
  // The prebuild of exactly this environment, if one exists (commands/up-prebuild.ts).
  const planned = await withPrebuild(deps, provider, first, opts);
  const { environment } = planned;

  const progress = await createUpProgress(
    deps,
    phasesFor(environment, { volume: planned.plan.volume !== undefined }),
  );
  // Ctrl-C/SIGTERM from here on: destroy or keep what was created, never abandon it (exit 130).
  const trap = trapInterrupts((line) => deps.io.err.write(line));
  const result = await applyUp(
    { ...planned, agentBundle },
    applyDepsFor(deps, settings, { provider, store, progress, signal: trap.signal }),
  )
    .finally(() => progress.end())
    .catch((err) => settleIfInterrupted(deps, err, { store, provider, signal: trap.received() }))
    .finally(() => trap.dispose());
  // Ports and pre_down for `ssh`/`tunnel`/`down`, whatever the directory they run in.
  if (project) saveProjectRecord(deps.paths.instanceDir(result.record.name), project);
  // On a spot machine the agent runs pre_down itself when AWS gives notice: it needs the hook there.
  if (plan.spot && project?.hooks.preDown)
    await placePreDown(deps, result.conn, plan.sshUser, project.hooks.preDown);
  try {
    await presentReady(deps, opts, result);
  } finally {
    await result.conn.close();
  }
}

/** The ready line (or NDJSON event), the setup's verdict, then a shell on a terminal. */
async function presentReady(
  deps: Deps,
  opts: UpCommandOptions,
  { record, conn, ms, setup }: UpResult<Connection>,
): Promise<void> {
  const interactive = opts.connect !== false && !deps.json && deps.io.stdinIsTTY && deps.io.stdoutIsTTY;
  if (deps.json) {
    // The last NDJSON event: one line, like the phase events before it.
    const ready = { event: "ready", name: record.name, provider: record.provider, ip: record.ip, ms };
    const s = setupJson(setup);
    deps.io.out.write(
      `${JSON.stringify({ ...ready, ssh: `ssh ${hostAlias(record.name)}`, ...(s ? { setup: s } : {}) })}\n`,
    );
    reportSetup(deps, record.name, setup, opts.allowSetupFailure === true);
    return;
  }
  deps.io.err.write(
    `Ready in ${(ms / 1000).toFixed(1)}s: ${record.name} (${record.provider}, ${record.ip})\n`,
  );
  reportSetup(deps, record.name, setup, opts.allowSetupFailure === true);
  if (!interactive) {
    deps.io.out.write(
      `Connect with: spuff ssh ${record.name}   (or: ssh ${hostAlias(record.name)} after spuff ssh-config install)\n`,
    );
    return;
  }
  const { shell } = await import("../ssh/shell.ts");
  const code = await shell(conn, {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    term: deps.env.TERM,
  });
  process.exitCode = code;
}
