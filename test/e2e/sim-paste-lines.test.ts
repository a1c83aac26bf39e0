/**
 * `spuff-sim` prints, after its URL, the `export …` line a user pastes: pasted into a real bash,
 * it points both spuff and the vendor's own client (hcloud, aws, curl for DigitalOcean, which has
 * no doctl in Debian) at the simulator, and a token with shell syntax in it stays a literal.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { REPO, SPUFF_BIN } from "../helpers/cli.ts";

const run = promisify(execFile);
const home = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-sim-paste-"));
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill("SIGTERM");
  child = undefined;
});

/** Starts the built `spuff-sim` and returns what it printed up to its `export` line (15 s bound). */
function startSim(args: string[]): Promise<string[]> {
  const proc = spawn(process.execPath, [path.join(REPO, "bin/spuff-sim.cjs"), ...args, "--port", "0"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  child = proc;
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`spuff-sim printed only: ${out}`)), 15_000);
    proc.stdout?.on("data", (d) => {
      out += d;
      const lines = out.split("\n");
      if (lines.some((l) => l.startsWith("export ")) && out.endsWith("\n")) {
        clearTimeout(timer);
        resolve(lines.filter(Boolean));
      }
    });
    proc.on("exit", (code) => reject(new Error(`spuff-sim exited ${code}: ${out}`)));
  });
}

/** The printed export line, pasted into bash, then the commands, in a clean environment. */
async function pasted(lines: string[], script: string) {
  const exportLine = lines.find((l) => l.startsWith("export ")) ?? "";
  const env = {
    PATH: "/usr/bin:/bin",
    HOME: home,
    SPUFF_CONFIG_DIR: path.join(home, "spuff"),
    SPUFF_DATA_DIR: path.join(home, "spuff-data"),
    HCLOUD_CONFIG: path.join(home, "hcloud.toml"),
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_PAGER: "",
    SPUFF: `${process.execPath} ${SPUFF_BIN}`,
  };
  return run("/bin/bash", ["-c", `set -euo pipefail\n${exportLine}\n${script}`], { env, timeout: 60_000 });
}

/** The what-is-my-address URL in the export line (its port is any free one). */
const checkIpUrl = (lines: string[]) =>
  /SPUFF_CHECKIP_URL='(http:\/\/127\.0\.0\.1:\d+\/)'/.exec(lines.join("\n"))?.[1];

describe("spuff-sim prints the lines that point spuff and the official CLI at it", () => {
  it("hetzner: HCLOUD_ENDPOINT and HCLOUD_TOKEN serve spuff and hcloud", async () => {
    const lines = await startSim(["hetzner"]);
    expect(lines[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const token = "hcloudsimulatortoken0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH";
    expect(lines).toContain(
      `export HCLOUD_ENDPOINT='${lines[0]}' HCLOUD_TOKEN='${token}' SPUFF_CHECKIP_URL='${checkIpUrl(lines)}'`,
    );
    const r = await pasted(
      lines,
      '$SPUFF snapshot list --provider hetzner\ncurl -sf "$SPUFF_CHECKIP_URL"\n/usr/bin/hcloud server list -o json',
    );
    // The what-is-my-address service answers the caller's loopback address (ssh.allow_from).
    expect(r.stdout).toContain("127.0.0.1\n");
    expect(r.stdout.trim().split("\n").at(-1)).toMatch(/^(null|\[\])$/);
  });

  it("aws: AWS_ENDPOINT_URL and the key pair serve spuff and the aws CLI", async () => {
    const lines = await startSim(["aws"]);
    const line = lines.find((l) => l.startsWith("export ")) ?? "";
    expect(line).toMatch(/AWS_ENDPOINT_URL='http:\/\/127\.0\.0\.1:\d+' AWS_ACCESS_KEY_ID='AKIA\w+'/);
    expect(line).toMatch(/AWS_SECRET_ACCESS_KEY='[^']+' AWS_DEFAULT_REGION='us-east-1'/);
    const r = await pasted(
      lines,
      '$SPUFF snapshot list --provider aws\n/usr/bin/aws --endpoint-url "$AWS_ENDPOINT_URL" --output json ec2 describe-instances',
    );
    expect(r.stdout).toMatch(/"Reservations": \[\]/);
  });

  it("digitalocean: DIGITALOCEAN_API_URL and the token serve spuff and a plain HTTP client", async () => {
    const token = `t'; touch ${home}/pwned; echo '$(id)`;
    const lines = await startSim(["digitalocean", "--token", token]);
    const r = await pasted(
      lines,
      '$SPUFF snapshot list --provider digitalocean\ncurl -sf -H "Authorization: Bearer $DIGITALOCEAN_TOKEN" "$DIGITALOCEAN_API_URL/v2/account"',
    );
    expect(JSON.parse(r.stdout.trim().split("\n").at(-1) ?? "")).toMatchObject({
      account: { status: "active" },
    });
    // The token went through the paste as one literal value: nothing ran.
    expect(fs.existsSync(path.join(home, "pwned"))).toBe(false);
  });
});
