/**
 * A real, private OpenSSH server (and ssh-agent) for tests. Each sshd gets its own temp dir,
 * host key, client key, authorized_keys file and a unique 127.x.y.z address, so suites can run
 * side by side without touching the system sshd or ~/.ssh.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";
import { connect } from "../../src/ssh/connect.ts";
import type { Connection } from "../../src/ssh/connection.ts";

const SSHD = "/usr/sbin/sshd";

export interface SshdFixture {
  host: string;
  port: number;
  /** The host key's .pub line: "ssh-ed25519 AAAA... comment". */
  hostPublicKey: string;
  clientKeyPath: string;
  clientPublicKey: string;
  /** Remote user to log in as (root: we run as root, and sshd needs a real account). */
  user: string;
  dir: string;
  /** Everything sshd has logged so far (LogLevel VERBOSE, on stderr via -e). */
  log(): string;
  stop(): Promise<void>;
}

/** Generate an ed25519 key pair at `file` (+ `.pub`); returns the public key line. */
export function generateKeyPair(file: string, passphrase = ""): string {
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", passphrase, "-C", "spuff-test", "-f", file]);
  return readFileSync(`${file}.pub`, "utf8").trim();
}

/** SHA256 fingerprint as printed by `ssh-keygen -lf`. */
export function keyFingerprint(pubFile: string): string {
  const out = execFileSync("ssh-keygen", ["-l", "-E", "sha256", "-f", pubFile], { encoding: "utf8" });
  return out.split(" ")[1] ?? "";
}

function randomLoopback(): string {
  const b = () => 1 + Math.floor(Math.random() * 250);
  return `127.77.${b()}.${b()}`;
}

/** Resolve once an `SSH-` banner is readable on host:port; reject when `child` dies or time is up. */
function waitForBanner(child: ChildProcess, host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      child.off("exit", onExit);
      err ? reject(err) : resolve();
    };
    const onExit = (code: number | null) => finish(new Error(`sshd exited early (code ${code})`));
    child.on("exit", onExit);
    const attempt = () => {
      if (done) return;
      if (Date.now() > deadline) return finish(new Error(`sshd banner not seen within ${timeoutMs} ms`));
      const sock = net.connect({ host, port });
      let buf = "";
      const retry = () => {
        sock.destroy();
        setTimeout(attempt, 50);
      };
      sock.setTimeout(1000, retry);
      sock.on("error", retry);
      sock.on("data", (d) => {
        buf += d.toString("latin1");
        if (buf.includes("SSH-2.0")) {
          sock.destroy();
          finish();
        }
      });
    };
    attempt();
  });
}

function writeConfig(dir: string, host: string, port: number, logLevel: string): string {
  const file = path.join(dir, "sshd_config");
  const lines = [
    `ListenAddress ${host}:${port}`,
    `HostKey ${path.join(dir, "host_ed25519")}`,
    `AuthorizedKeysFile ${path.join(dir, "authorized_keys")}`,
    `PidFile ${path.join(dir, "sshd.pid")}`,
    "PermitRootLogin prohibit-password",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "PubkeyAuthentication yes",
    "AllowAgentForwarding yes",
    "AllowTcpForwarding yes",
    "StrictModes no",
    "UsePAM no",
    "MaxSessions 50",
    `LogLevel ${logLevel}`,
    "Subsystem sftp internal-sftp",
    // Bash sources ~/.bashrc for a command sshd runs unless SHLVL says it is not the top shell.
    // The sessions log in as this host's root, whose dotfiles are no part of what the tests check,
    // and here they run `pyenv rehash`: ~0.25 s per command, and a wait of up to 60 s behind a lock
    // a killed session left. A dev user on a spuff machine has its own clean dotfiles instead.
    "SetEnv SHLVL=1",
  ];
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

async function launch(dir: string, host: string, port: number, logLevel: string): Promise<ChildProcess> {
  const config = writeConfig(dir, host, port, logLevel);
  const child = spawn(SSHD, ["-D", "-e", "-f", config], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr?.on("data", (d) => (log += d));
  (child as ChildProcess & { log: () => string }).log = () => log;
  try {
    await waitForBanner(child, host, port, 5000);
    return child;
  } catch (err) {
    child.kill("SIGKILL");
    throw new Error(`${(err as Error).message}\n${log}`);
  }
}

export interface SshdOptions {
  /** sshd LogLevel; VERBOSE (default) logs every auth attempt. */
  logLevel?: string;
  /** Listen address (default a random 127.77.x.y); 127.0.0.1 is what simulator machines reach. */
  host?: string;
}

export async function startSshd(opts: SshdOptions = {}): Promise<SshdFixture> {
  const logLevel = opts.logLevel ?? "VERBOSE";
  // sshd refuses to start without its privilege-separation directory.
  mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  const dir = mkdtempSync(path.join(os.tmpdir(), "spuff-sshd-"));
  const hostPublicKey = generateKeyPair(path.join(dir, "host_ed25519"));
  const clientKeyPath = path.join(dir, "client_ed25519");
  const clientPublicKey = generateKeyPair(clientKeyPath);
  writeFileSync(path.join(dir, "authorized_keys"), `${clientPublicKey}\n`);

  const host = opts.host ?? randomLoopback();
  // A chosen address may already have another sshd on 22 whose banner would fool the wait.
  let port = opts.host ? 20_000 + Math.floor(Math.random() * 40_000) : 22;
  let child: ChildProcess;
  try {
    child = await launch(dir, host, port, logLevel);
  } catch {
    // Port 22 on this address may be taken (or not bindable): fall back to a random high port.
    port = 20_000 + Math.floor(Math.random() * 40_000);
    child = await launch(dir, host, port, logLevel);
  }
  const withLog = child as ChildProcess & { log: () => string };
  return {
    host,
    port,
    hostPublicKey,
    clientKeyPath,
    clientPublicKey,
    user: os.userInfo().username,
    dir,
    log: () => withLog.log(),
    stop: () => stopChild(child, dir),
  };
}

async function stopChild(child: ChildProcess, dir: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    child.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  rmSync(dir, { recursive: true, force: true });
}

export interface AgentFixture {
  socket: string;
  /** `ssh-add` a key; `passphrase` is fed through SSH_ASKPASS for encrypted keys. */
  add(keyPath: string, passphrase?: string): void;
  stop(): Promise<void>;
}

export async function startSshAgent(): Promise<AgentFixture> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "spuff-agent-"));
  const socket = path.join(dir, "agent.sock");
  const child = spawn("ssh-agent", ["-D", "-a", socket], { stdio: "ignore" });
  const deadline = Date.now() + 5000;
  while (!existsSync(socket)) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
      throw new Error("ssh-agent did not create its socket within 5 s");
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    socket,
    add(keyPath, passphrase) {
      const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, SSH_AUTH_SOCK: socket };
      if (passphrase !== undefined) {
        const askpass = path.join(dir, "askpass.sh");
        writeFileSync(askpass, `#!/bin/sh\necho '${passphrase}'\n`, { mode: 0o700 });
        Object.assign(env, { SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: "force", DISPLAY: ":0" });
      }
      execFileSync("ssh-add", ["-q", keyPath], { env, stdio: ["ignore", "ignore", "pipe"] });
    },
    stop: () => stopChild(child, dir),
  };
}

/** Options for src/ssh's connect() that log into this fixture with its client key. */
export function sshdConnectOptions(s: SshdFixture) {
  return {
    host: s.host,
    port: s.port,
    user: s.user,
    privateKeyPath: s.clientKeyPath,
    pinnedHostKey: s.hostPublicKey,
  };
}

/** Registers beforeAll/afterAll: a real sshd plus one open connection to it; read the fields in tests. */
export function useSshdConnection(): { sshd: SshdFixture; conn: Connection } {
  const ctx = {} as { sshd: SshdFixture; conn: Connection };
  beforeAll(async () => {
    ctx.sshd = await startSshd();
    ctx.conn = await connect(sshdConnectOptions(ctx.sshd));
  });
  afterAll(async () => {
    await ctx.conn?.close();
    await ctx.sshd?.stop();
  });
  return ctx;
}
