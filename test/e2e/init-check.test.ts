/**
 * `spuff init` checks the credential with the provider before writing anything: the real binary
 * against each simulator (spec-validated), with --defaults and on a pseudo-terminal. A refused
 * credential exits 4, an unreachable or failing provider exits 7 with another message, and in both
 * cases the config file is byte for byte what it was (or still absent).
 */
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startAwsSim } from "../../src/sim/aws/index.ts";
import { startDigitalOceanSim } from "../../src/sim/digitalocean/index.ts";
import { startHetznerSim } from "../../src/sim/hetzner/index.ts";
import { awsSimEnv } from "../helpers/aws-sim-env.ts";
import { runSpuff } from "../helpers/cli.ts";
import { spuffOnPty } from "../helpers/pty.ts";

let dir: string;
const closers: (() => Promise<void>)[] = [];
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-init-check-"));
});
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  fs.rmSync(dir, { recursive: true, force: true });
});
const configFile = () => path.join(dir, "config.yaml");
const init = (args: string[], env: Record<string, string>, input = "") =>
  runSpuff(["init", "--defaults", ...args], { configDir: dir, env, input, timeoutMs: 30_000 });

/** A config written before (by a good init), so a failed `init --force` must leave its bytes. */
function existingConfig(): Buffer {
  fs.writeFileSync(configFile(), "# kept as it is\nprovider: local\nregion: local\n", { mode: 0o600 });
  return fs.readFileSync(configFile());
}

/** A loopback port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

describe("init --defaults checks the credential against each simulator", () => {
  it("digitalocean: a good token names the account and is saved 0600; a bad one exits 4 and writes nothing", async () => {
    const sim = await startDigitalOceanSim({});
    closers.push(() => sim.close());
    const env = { DIGITALOCEAN_API_URL: sim.url };

    const bad = await init(["--provider", "digitalocean", "--token-stdin"], env, "dop_v1_wrong\n");
    expect(bad.code, bad.stderr).toBe(4);
    expect(bad.stderr).toContain("refused the token given; nothing was saved");
    expect(bad.stderr).not.toContain("dop_v1_wrong");
    expect(fs.existsSync(configFile())).toBe(false);

    const before = existingConfig();
    const badForce = await init(["--force", "--provider", "digitalocean", "--token-stdin"], env, "nope\n");
    expect(badForce.code).toBe(4);
    expect(fs.readFileSync(configFile()).equals(before)).toBe(true);

    const good = await init(
      ["--force", "--provider", "digitalocean", "--token-stdin"],
      env,
      `${sim.token}\n`,
    );
    expect(good.code, good.stderr).toBe(0);
    expect(good.stderr).toContain("The token given works: sim@spuff.invalid (GET /v2/account");
    expect(good.stderr).not.toContain(sim.token);
    expect(fs.readFileSync(configFile(), "utf8")).toContain(sim.token);
    expect(fs.statSync(configFile()).mode & 0o777).toBe(0o600);
    expect(sim.requests.map((r) => [r.method, r.path, r.status])).toEqual([
      ["GET", "/v2/account", 401],
      ["GET", "/v2/account", 401],
      ["GET", "/v2/account", 200],
    ]);
    expect(sim.validator?.violations).toEqual([]);
  }, 60_000);

  it("digitalocean: the token in DIGITALOCEAN_TOKEN is checked when none is given; --json names the account", async () => {
    const sim = await startDigitalOceanSim({});
    closers.push(() => sim.close());
    const r = await init(["--provider", "digitalocean", "--json"], {
      DIGITALOCEAN_API_URL: sim.url,
      DIGITALOCEAN_TOKEN: sim.token,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).account).toEqual({
      source: "DIGITALOCEAN_TOKEN",
      name: "sim@spuff.invalid",
      evidence: "GET /v2/account: account status active",
    });
    expect(fs.readFileSync(configFile(), "utf8")).not.toContain(sim.token);
  }, 30_000);

  it("hetzner: a good token is proved by a read (the API names no project); a bad one exits 4", async () => {
    const sim = await startHetznerSim({});
    closers.push(() => sim.close());
    const env = { HCLOUD_ENDPOINT: sim.endpoint };
    const before = existingConfig();
    const bad = await init(["--force", "--provider", "hetzner", "--token-stdin"], env, "wrong-token\n");
    expect(bad.code, bad.stderr).toBe(4);
    expect(bad.stderr).toContain("hetzner refused the token given; nothing was saved");
    expect(fs.readFileSync(configFile()).equals(before)).toBe(true);

    const good = await init(["--force", "--provider", "hetzner", "--token-stdin"], env, `${sim.token}\n`);
    expect(good.code, good.stderr).toBe(0);
    expect(good.stderr).toMatch(
      /The token given works: the Hetzner Cloud project .* \(GET \/locations: \d+ locations/,
    );
    expect(fs.readFileSync(configFile(), "utf8")).toContain(sim.token);
    expect(sim.state.servers.size).toBe(0);
    expect(sim.validator?.violations).toEqual([]);
  }, 60_000);

  it("aws: the key pair in the environment is checked with DescribeRegions; a wrong secret exits 4", async () => {
    const sim = await startAwsSim({});
    closers.push(() => sim.close());
    const env = awsSimEnv(sim.url);
    const before = existingConfig();
    const bad = await init(["--force", "--provider", "aws"], { ...env, AWS_SECRET_ACCESS_KEY: "not-it" });
    expect(bad.code, bad.stderr).toBe(4);
    expect(bad.stderr).toContain("aws refused the AWS credential (AWS_ACCESS_KEY_ID)");
    expect(bad.stderr).not.toContain("not-it");
    expect(fs.readFileSync(configFile()).equals(before)).toBe(true);

    const good = await init(["--force", "--provider", "aws", "--region", "eu-central-1"], env);
    expect(good.code, good.stderr).toBe(0);
    expect(good.stderr).toContain(`works: AWS access key ****${env.AWS_ACCESS_KEY_ID?.slice(-4)}`);
    expect(good.stderr).toContain("eu-central-1 among them");
    expect(good.stderr).not.toContain(env.AWS_SECRET_ACCESS_KEY);
    expect(sim.validator?.violations).toEqual([]);
  }, 60_000);
});

describe("init tells a provider it cannot reach, or one that fails, from a refused credential", () => {
  it("nothing listening: exit 7, a network message, nothing saved", async () => {
    const before = existingConfig();
    const url = `http://127.0.0.1:${await closedPort()}`;
    const r = await init(
      ["--force", "--provider", "digitalocean", "--token-stdin"],
      { DIGITALOCEAN_API_URL: url },
      "x\n",
    );
    expect(r.code, r.stderr).toBe(7);
    expect(r.stderr).toContain("Could not check the token given with digitalocean: it was not refused");
    expect(r.stderr).toContain("network error (ECONNREFUSED)");
    expect(r.stderr).not.toContain("refused the token");
    expect(fs.readFileSync(configFile()).equals(before)).toBe(true);
  }, 60_000);

  it("the provider answers 500 to every attempt: exit 7, the status named, nothing saved; one 500 is retried", async () => {
    const sim = await startHetznerSim({});
    closers.push(() => sim.close());
    const env = { HCLOUD_ENDPOINT: sim.endpoint };
    const five = Array.from({ length: 5 }, () => ({
      method: "GET",
      path: "/v1/locations",
      fault: "500" as const,
    }));
    sim.faults.schedule(...five);
    const failing = await init(["--provider", "hetzner", "--token-stdin"], env, `${sim.token}\n`);
    expect(failing.code, failing.stderr).toBe(7);
    expect(failing.stderr).toMatch(/Could not check the token given with hetzner: .*failed \(500/);
    expect(fs.existsSync(configFile())).toBe(false);

    sim.faults.schedule(five[0] as (typeof five)[0]);
    const once = await init(["--provider", "hetzner", "--token-stdin"], env, `${sim.token}\n`);
    expect(once.code, once.stderr).toBe(0);
    expect(fs.readFileSync(configFile(), "utf8")).toContain(sim.token);
  }, 60_000);

  it("--no-check saves without a request", async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const r = await init(
      ["--no-check", "--provider", "digitalocean", "--token-stdin"],
      { DIGITALOCEAN_API_URL: url },
      "t\n",
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("Credential not checked (--no-check).");
    expect(fs.readFileSync(configFile(), "utf8")).toContain("token: t");
  }, 30_000);
});

describe("init on a terminal", () => {
  /** Start `spuff init` on a pty, pick DigitalOcean (one down from local) and type `token`. */
  async function typeToken(env: Record<string, string>, token: string) {
    const pty = spuffOnPty(["init"], { configDir: dir, env });
    closers.push(async () => pty.kill());
    await pty.until((s) => s.includes("Provider"), "the provider question");
    pty.type("\x1b[B");
    await new Promise((r) => setTimeout(r, 200));
    pty.type("\r");
    await pty.until((s) => s.includes("digitalocean API token"), "the token question");
    pty.type(token);
    await new Promise((r) => setTimeout(r, 200));
    pty.type("\r");
    return pty;
  }

  it("a typed token is checked at once, the account named, and the config saved 0600", async () => {
    const sim = await startDigitalOceanSim({});
    closers.push(() => sim.close());
    const pty = await typeToken({ DIGITALOCEAN_API_URL: sim.url }, sim.token);
    await pty.until((s) => s.includes("works: sim@spuff.invalid"), "the account named");
    await pty.until((s) => s.includes("Idle timeout"), "the next question");
    pty.type("\r");
    await pty.until((s) => s.includes("SSH private key"), "the key question");
    pty.type("\r");
    expect(await pty.exited, pty.screen()).toBe(0);
    expect(pty.screen()).not.toContain(sim.token);
    const saved = fs.readFileSync(configFile(), "utf8");
    expect(saved).toContain("provider: digitalocean");
    expect(saved).toContain(sim.token);
    expect(fs.statSync(configFile()).mode & 0o777).toBe(0o600);
    expect(sim.validator?.violations).toEqual([]);
  }, 60_000);

  it("a refused token ends init with exit 4 before the other questions; nothing is saved", async () => {
    const sim = await startDigitalOceanSim({});
    closers.push(() => sim.close());
    const pty = await typeToken({ DIGITALOCEAN_API_URL: sim.url }, "dop_v1_mistyped");
    expect(await pty.exited, pty.screen()).toBe(4);
    expect(pty.screen()).toContain("refused the token given; nothing was saved");
    expect(pty.screen()).not.toContain("Idle timeout");
    expect(pty.screen()).not.toContain("dop_v1_mistyped");
    expect(fs.existsSync(configFile())).toBe(false);
  }, 60_000);
});
