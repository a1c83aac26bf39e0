/**
 * Installing spuff-agent over the pinned SSH connection. The token never travels in user-data: it
 * goes to /etc/spuff/agent.env (root, 0600) through SFTP + sudo install, and a local copy stays in
 * the instance's folder (0600) for `status`/`logs`. The optional reaper token (the agent deletes
 * its own server with it) goes the same way to /etc/spuff/reaper.token and is kept nowhere else.
 * Files first (right after login); the agent starts then when Node is already on the image,
 * else once cloud-init is done (Node may come from cloud-init's packages on cloud images).
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { AGENT_BUNDLE_PATH, AGENT_ENV_PATH, AGENT_REAPER_TOKEN_PATH } from "../cloudinit/agent-unit.ts";
import { shellQuote } from "../cloudinit/shell-quote.ts";
import { type Clock, systemClock } from "../core/clock.ts";
import { UserError } from "../core/errors.ts";
import { writeFileAtomic } from "../core/fs-atomic.ts";
import { openAgentClient } from "../ssh/agent-client.ts";
import type { Connection } from "../ssh/connection.ts";
import { exec } from "../ssh/exec.ts";
import { upload } from "../ssh/upload.ts";

const STAGED_BUNDLE = ".spuff-agent.cjs.staged";
const STAGED_ENV = ".spuff-agent.env.staged";
const STAGED_REAPER = ".spuff-reaper.token.staged";

/** dist/agent/spuff-agent.cjs next to the running CLI (or SPUFF_AGENT_BUNDLE). */
export function findAgentBundle(env: NodeJS.ProcessEnv, argv1 = process.argv[1] ?? ""): string {
  const candidates = [
    env.SPUFF_AGENT_BUNDLE,
    path.resolve(path.dirname(argv1), "../dist/agent/spuff-agent.cjs"),
    path.resolve("dist/agent/spuff-agent.cjs"),
  ].filter((c): c is string => !!c);
  const found = candidates.find((c) => fs.existsSync(c));
  if (!found) {
    throw new UserError("agent_bundle_missing", "The spuff-agent bundle was not found.", {
      hint: `Build it with \`npm run build\` (looked in: ${candidates.join(", ")}).`,
    });
  }
  return found;
}

export function newAgentToken(): string {
  return randomBytes(32).toString("hex");
}

/** Where the CLI keeps an instance's agent token. */
export const agentTokenFile = (instanceDir: string) => path.join(instanceDir, "agent.token");

export function saveAgentToken(instanceDir: string, token: string): void {
  fs.mkdirSync(instanceDir, { recursive: true, mode: 0o700 });
  writeFileAtomic(agentTokenFile(instanceDir), `${token}\n`, 0o600);
}

export function readAgentToken(instanceDir: string): string | undefined {
  try {
    return fs.readFileSync(agentTokenFile(instanceDir), "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Upload the bundle, the token file and (when given) the reaper token: staged 0600 in the user's
 * home, installed as root, staged copies removed.
 */
export async function uploadAgent(
  conn: Connection,
  bundle: string,
  token: string,
  timeoutMs: number,
  reaperToken?: string,
  clock: Clock = systemClock,
): Promise<void> {
  const home = (await run(conn, 'printf %s "$HOME"', timeoutMs, clock)).trim();
  const stagedBundle = `${home}/${STAGED_BUNDLE}`;
  const stagedEnv = `${home}/${STAGED_ENV}`;
  const stagedReaper = `${home}/${STAGED_REAPER}`;
  await upload(conn, { remotePath: stagedBundle, data: { localPath: bundle }, mode: 0o600 });
  await upload(conn, { remotePath: stagedEnv, data: `SPUFF_AGENT_TOKEN=${token}\n`, mode: 0o600 });
  if (reaperToken) await upload(conn, { remotePath: stagedReaper, data: `${reaperToken}\n`, mode: 0o600 });
  const install = (staged: string, dest: string, mode: string) =>
    `sudo -n install -D -m ${mode} -o root -g root ${shellQuote(staged)} ${dest}`;
  await run(
    conn,
    [
      install(stagedBundle, AGENT_BUNDLE_PATH, "0755"),
      install(stagedEnv, AGENT_ENV_PATH, "0600"),
      // No reaper token this time: none from an earlier life (a snapshot made before scrubbing) stays.
      reaperToken
        ? install(stagedReaper, AGENT_REAPER_TOKEN_PATH, "0600")
        : `sudo -n rm -f ${AGENT_REAPER_TOKEN_PATH}`,
      `rm -f ${shellQuote(stagedBundle)} ${shellQuote(stagedEnv)} ${shellQuote(stagedReaper)}`,
      // Enabling (a daemon-reload, ~0.3 s) now, while cloud-init still runs, keeps it out of the
      // wait after cloud-init (BENCHMARKS.md). Best effort: startAgent enables it if the unit was
      // not there yet.
      "{ sudo -n systemctl enable --quiet spuff-agent.service 2>/dev/null || true; }",
      // Where Node is already there (images with it preinstalled, like the local one), start now:
      // the agent's own start-up (~0.3 s of Node on a small VM) then overlaps cloud-init instead
      // of following it. --no-block: the unit waits for network-online, upload must not. Elsewhere
      // Node comes from cloud-init's packages and startAgent starts it after cloud-init.
      // restart, not start: on a machine made from a snapshot an agent from that image may already
      // run with the image's old token; it must read the token just installed.
      "{ ! command -v node >/dev/null || sudo -n systemctl restart --no-block spuff-agent.service 2>/dev/null || true; }",
    ].join(" && "),
    timeoutMs,
    clock,
  );
}

/**
 * Start the unit (and enable it, if uploadAgent could not), then wait (bounded) until an
 * authenticated /status answers through the tunnel: proof that the agent runs *and* holds the
 * token we kept.
 */
export async function startAgent(
  conn: Connection,
  token: string,
  timeoutMs: number,
  clock: Clock = systemClock,
): Promise<void> {
  await run(
    conn,
    "sudo -n systemctl start spuff-agent.service && " +
      "{ systemctl is-enabled --quiet spuff-agent.service || sudo -n systemctl enable --quiet spuff-agent.service; }",
    timeoutMs,
    clock,
  );
  const agent = await openAgentClient(conn, token, 2000);
  try {
    await untilAgentAnswers(() => agent.get("/status"), clock, timeoutMs);
  } finally {
    await agent.close();
  }
}

/**
 * Ask every 50 ms (this wait is part of `up`'s time after cloud-init) until `check` succeeds, the
 * clock passes `timeoutMs`, or the agent refuses the token (a 401 does not fix itself).
 */
export async function untilAgentAnswers(
  check: () => Promise<unknown>,
  clock: Clock,
  timeoutMs: number,
): Promise<void> {
  const deadline = clock.now() + timeoutMs;
  let last = "";
  for (let attempt = 0; attempt < 1000 && clock.now() < deadline; attempt++) {
    try {
      await check();
      return;
    } catch (err) {
      last = (err as Error).message;
      if (/ 401 /.test(last)) break;
    }
    await clock.sleep(50);
  }
  throw new UserError("agent_not_healthy", `spuff-agent did not answer: ${last}`, {
    hint: "See its log on the VM: journalctl -u spuff-agent",
  });
}

async function run(conn: Connection, command: string, timeoutMs: number, clock: Clock): Promise<string> {
  const r = await exec(conn, command, { timeoutMs, clock });
  if (r.exitCode !== 0) {
    throw new UserError(
      "agent_install_failed",
      `Remote command failed (exit ${r.exitCode}): ${r.stderr.trim()}`,
    );
  }
  return r.stdout;
}
