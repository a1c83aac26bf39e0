// biome-ignore-all lint/suspicious/noTemplateCurlyInString: spuff.yaml interpolation syntax
/**
 * spuff.yaml through the real binary, no machine needed: a bad file stops `up` before anything is
 * created, naming the file, the key and what is allowed; a good one shapes the dry-run plan
 * (name, size from resources, flags win, phases) and none of its env values reach user-data.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSpuff } from "../helpers/cli.ts";

let dir: string;
const SECRET = "sk-plan-0123456789abcdef-never-in-user-data";
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-project-plan-"));
  fs.mkdirSync(path.join(dir, ".ssh"));
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(dir, ".ssh", "id_ed25519")]);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function project(name: string, yaml: string, secrets?: string): string {
  const p = path.join(dir, name);
  fs.mkdirSync(path.join(p, "deep", "er"), { recursive: true });
  fs.writeFileSync(path.join(p, "spuff.yaml"), yaml);
  if (secrets) fs.writeFileSync(path.join(p, "spuff.secrets.yaml"), secrets, { mode: 0o600 });
  return p;
}

describe("spuff.yaml and up", () => {
  // An unreachable API URL: any provider call would fail differently.
  const env = {
    DIGITALOCEAN_TOKEN: "dop_v1_test_token_0123456789",
    DIGITALOCEAN_API_URL: "http://127.0.0.1:9",
  };

  it("an invalid spuff.yaml stops up before anything is created (exit 3, file, key, allowed values)", async () => {
    const p = project(
      "bad",
      "name: ok-name\nbundles: [node, cobol]\nports: [80, 80]\nhooks: { post_down: x }\n",
    );
    const r = await runSpuff(["up", "--no-connect"], {
      configDir: dir,
      env,
      cwd: path.join(p, "deep", "er"),
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`Invalid configuration in ${path.join(p, "spuff.yaml")}:`);
    expect(r.stderr).toMatch(
      /bundles\.1: "cobol" is not allowed \(allowed: docker, shell-tools, node, python, go, rust, devbox, nix, claude-code, codex\)/,
    );
    expect(r.stderr).toMatch(/ports: .*a port is listed twice/);
    expect(r.stderr).toMatch(/in hooks: unknown key "post_down" \(allowed: post_up, pre_down\)/);
    const list = await runSpuff(["list", "--json"], { configDir: dir, env });
    expect(JSON.parse(list.stdout)).toEqual([]);
  });

  it("--json errors carry the file and each key", async () => {
    const p = project("bad-json", "env:\n  TOKEN: ${NOT_SET_IN_THIS_TEST}\n");
    const r = await runSpuff(["up", "--dry-run", "--json"], { configDir: dir, env, cwd: p });
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stderr).error).toMatchObject({
      code: "project_env",
      details: { file: path.join(p, "spuff.yaml") },
    });
  });

  it("a valid spuff.yaml shapes the plan; flags win; env values never reach user-data", async () => {
    const p = project(
      "good",
      "name: planned-app\nresources: { size: s-2vcpu-4gb, region: fra1 }\nenv: { API_KEY: placeholder }\nsetup: [make]\nports: [3000]\n",
      "env:\n  API_KEY: ${PLAN_SECRET}\n",
    );
    const r = await runSpuff(["up", "--dry-run", "--json", "--region", "ams3"], {
      configDir: dir,
      env: { ...env, PLAN_SECRET: SECRET },
      cwd: path.join(p, "deep"),
    });
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan).toMatchObject({ name: "planned-app", size: "s-2vcpu-4gb", region: "ams3" });
    expect(plan.environment).toEqual({
      project_file: path.join(p, "spuff.yaml"),
      background_bundles: [],
      phases: expect.arrayContaining(["environment", "setup"]),
      // Nothing a prebuild would hold (no bundles, packages or prebuild steps).
      prebuild_name: null,
    });
    expect(r.stdout).not.toContain(SECRET);
    expect(r.stderr).not.toContain(SECRET);
  });
});
