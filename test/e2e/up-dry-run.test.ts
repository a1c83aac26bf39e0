/** `spuff up --dry-run` through the real binary: the plan, exact user-data, no secrets, schema-valid. */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO, runSpuff, spuffEnv } from "../helpers/cli.ts";

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-dry-"));
  fs.mkdirSync(path.join(dir, ".ssh"));
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(dir, ".ssh", "id_ed25519")]);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("spuff up --dry-run", () => {
  it("prints a schema-valid plan with the pinned host key and no API token, calling no provider", async () => {
    const token = "dop_v1_never_in_user_data_0123456789abcdef";
    // An unreachable API URL: any provider call would fail the command.
    const env = { DIGITALOCEAN_TOKEN: token, DIGITALOCEAN_API_URL: "http://127.0.0.1:9" };
    const r = await runSpuff(["up", "box1", "--dry-run", "--json", "--size", "s-1vcpu-2gb"], {
      configDir: dir,
      env,
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan).toMatchObject({
      dry_run: true,
      name: "box1",
      provider: "digitalocean",
      size: "s-1vcpu-2gb",
    });
    expect(plan.labels).toMatchObject({ spuff: "true", "spuff-name": "box1" });
    expect(plan.user_data).not.toContain(token);
    expect(r.stdout).not.toContain(token);
    expect(plan.user_data).toContain(plan.host_public_key.split(" ")[1]);
    expect(plan.user_data).toContain(
      fs.readFileSync(path.join(dir, ".ssh", "id_ed25519.pub"), "utf8").split(" ")[1],
    );
    const file = path.join(dir, "user-data.yaml");
    fs.writeFileSync(file, plan.user_data);
    const schema = spawnSync("cloud-init", ["schema", "--config-file", file], {
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(schema.stdout + schema.stderr).toContain("Valid cloud-config");
    expect(schema.status).toBe(0);
  });

  it("--spot on a provider without spot machines is refused before anything (exit 2, the next step)", async () => {
    // An unreachable API: the refusal must come before any provider call.
    const env = { HCLOUD_TOKEN: "hcloud-token-never-used", HCLOUD_ENDPOINT: "http://127.0.0.1:9/v1" };
    for (const args of [["--dry-run"], ["--no-connect"]]) {
      const r = await runSpuff(["up", "nospot", "--spot", "--provider", "hetzner", ...args], {
        configDir: dir,
        env,
      });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("--spot is for AWS only: hetzner has no spot machines.");
      expect(r.stderr).toContain("spuff up --spot --provider aws");
      expect(r.stdout).toBe("");
    }
    const list = await runSpuff(["list", "--json"], { configDir: dir });
    expect(JSON.parse(list.stdout)).toEqual([]);
  });

  it("without --dry-run really creates: a missing local image fails with the build command, nothing kept", async () => {
    // SPUFF_DATA_DIR (set by runSpuff) has no image: the local provider must say how to build one.
    const r = await runSpuff(["up", "noimage", "--provider", "local", "--no-connect"], { configDir: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("failed during create_instance");
    expect(r.stderr).toContain("spuff image build --distro debian-12");
    const list = await runSpuff(["list", "--json"], { configDir: dir });
    expect(JSON.parse(list.stdout)).toEqual([]);
  });

  it("names the missing public key and how to create one", async () => {
    const r = await runSpuff(["up", "--dry-run"], { configDir: dir, env: { HOME: path.join(dir, "nokey") } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/SSH public key not found: .*id_ed25519\.pub/);
    expect(r.stderr).toContain("ssh-keygen -t ed25519");
  });

  it("prints the snapshot it would boot from (--snapshot is part of the plan)", async () => {
    const env = { DIGITALOCEAN_TOKEN: "dop_v1_test", DIGITALOCEAN_API_URL: "http://127.0.0.1:9" };
    const r = await runSpuff(["up", "snap1", "--dry-run", "--json", "--snapshot", "snap-123"], {
      configDir: dir,
      env,
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ name: "snap1", snapshot: "snap-123" });
    const plain = await runSpuff(["up", "snap2", "--dry-run", "--snapshot", "snap-123"], {
      configDir: dir,
      env,
    });
    expect(plain.stderr).toMatch(
      /^Plan \(dry run, nothing created\): snap2 on digitalocean .* \/ snapshot snap-123$/m,
    );
    const none = await runSpuff(["up", "snap3", "--dry-run", "--json"], { configDir: dir, env });
    expect(JSON.parse(none.stdout).snapshot).toBeNull();
  });
});

describe("pre-create checks", () => {
  it("a missing agent bundle stops up before any provider call (no record, no create)", async () => {
    // The CLI without dist/agent beside it, run from a directory without one either.
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-nobundle-"));
    try {
      fs.cpSync(path.join(REPO, "bin"), path.join(copy, "bin"), { recursive: true });
      fs.cpSync(path.join(REPO, "dist", "cli"), path.join(copy, "dist", "cli"), { recursive: true });
      fs.copyFileSync(path.join(REPO, "package.json"), path.join(copy, "package.json"));
      fs.symlinkSync(path.join(REPO, "node_modules"), path.join(copy, "node_modules"));
      // An unreachable API: had the create been tried first, it would fail with a network error.
      const env = spuffEnv(dir, {
        DIGITALOCEAN_TOKEN: "dop_v1_test",
        DIGITALOCEAN_API_URL: "http://127.0.0.1:9",
      });
      const r = spawnSync(
        process.execPath,
        [path.join(copy, "bin", "spuff.cjs"), "up", "nobundle", "--no-connect"],
        {
          cwd: copy,
          env,
          encoding: "utf8",
          timeout: 20_000,
        },
      );
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("The spuff-agent bundle was not found.");
      expect(r.stderr).not.toContain("create_instance");
      const list = await runSpuff(["list", "--json"], { configDir: dir });
      expect(JSON.parse(list.stdout)).toEqual([]);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });
});
