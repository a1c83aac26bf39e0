// biome-ignore-all lint/suspicious/noTemplateCurlyInString: spuff.yaml interpolation syntax
/**
 * The project file is untrusted input, through the real binary against the DigitalOcean simulator
 * (machines that never answer, so nothing boots): an unapproved file refuses before any provider
 * call without a terminal, asks on one after showing what it runs, `spuff trust` approves the exact
 * content and a change needs approval again; a planted or credential-reading file is refused.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSpuff } from "../helpers/cli.ts";
import { spuffOnPty } from "../helpers/pty.ts";
import { startUpSim, type UpSim } from "../helpers/up-sim.ts";

let t: UpSim;
beforeAll(async () => {
  t = await startUpSim("trust");
}, 60_000);
afterAll(() => t?.close());

const YAML = "packages: [jq]\nsetup: [make]\nports: [3000]\nenv: { API: '${LOCAL_API_KEY}' }\n";

function project(name: string, yaml = YAML): string {
  const p = path.join(t.dir, name);
  fs.mkdirSync(p, { recursive: true, mode: 0o755 });
  fs.writeFileSync(path.join(p, "spuff.yaml"), yaml);
  return p;
}

const providerCalls = () => t.sim.requests.filter((r) => r.path.startsWith("/v2/") && r.method !== "GET");
const run = (args: string[], cwd: string, env: Record<string, string> = {}) =>
  runSpuff(args, { configDir: t.dir, env: { ...t.env, LOCAL_API_KEY: "k", ...env }, cwd });

describe("an unapproved project file", () => {
  it("without a terminal refuses before any provider call: nothing created, nothing in state", async () => {
    const p = project("unapproved");
    const r = await run(["up", "--no-connect"], p);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain(`${path.join(p, "spuff.yaml")} has not been approved`);
    expect(r.stderr).toContain(`spuff trust ${p}`);
    expect(providerCalls()).toEqual([]);
    expect(t.sim.state.droplets.size).toBe(0);
    const list = await run(["list", "--json"], p);
    expect(JSON.parse(list.stdout)).toEqual([]);
    // --dry-run runs nothing, so it needs no approval.
    expect((await run(["up", "--dry-run"], p)).code).toBe(0);
  });

  it("spuff trust approves the exact content (--json lists it); a change needs approval again", async () => {
    const p = project("approved");
    const tr = await run(["trust", "--json"], path.join(p));
    expect(tr.code, tr.stderr).toBe(0);
    expect(JSON.parse(tr.stdout)).toMatchObject({
      approved: true,
      file: path.join(p, "spuff.yaml"),
      packages: ["jq"],
      setup: ["make"],
      ports: [3000],
      reads_local_variables: ["LOCAL_API_KEY"],
    });
    const trustFile = path.join(t.dir, "trusted-projects.json");
    expect(fs.statSync(trustFile).mode & 0o777).toBe(0o600);
    // Approved: up gets past the check and creates (a machine that never answers: killed after 8 s).
    const up = await runSpuff(["up", "trusted-one", "--no-connect"], {
      configDir: t.dir,
      env: { ...t.env, LOCAL_API_KEY: "k" },
      cwd: p,
      timeoutMs: 8000,
    });
    // (The folder is named "approved", which the prebuild hint quotes: match the refusal itself.)
    expect(up.stderr).not.toMatch(/not been approved|spuff trust/);
    expect(providerCalls().some((r) => r.method === "POST" && r.path === "/v2/droplets")).toBe(true);

    fs.appendFileSync(path.join(p, "spuff.yaml"), "# one more byte\n");
    const before = providerCalls().length;
    const again = await run(["up", "--no-connect"], p);
    expect(again.code).toBe(3);
    expect(again.stderr).toMatch(/has not been approved since it changed/);
    expect(providerCalls().length).toBe(before);
  }, 120_000);

  it("on a terminal shows what it will do and asks; no creates nothing", async () => {
    const p = project("asked");
    const before = providerCalls().length;
    const pty = spuffOnPty(["up", "--no-connect"], {
      configDir: t.dir,
      env: { ...t.env, LOCAL_API_KEY: "k" },
      cwd: p,
    });
    try {
      await pty.until((s) => s.includes("Approve this project file"), "the question");
      for (const x of ["install packages (as root)", "jq", "make", "3000", "LOCAL_API_KEY"])
        expect(pty.screen()).toContain(x);
      pty.type("\r"); // the default is No
      expect(await pty.exited).toBe(3);
      expect(pty.screen()).toContain("was not approved; nothing was created");
      expect(providerCalls().length).toBe(before);
    } finally {
      pty.kill();
    }
  });
});

describe("a hostile project file", () => {
  it("a spuff.yaml owned by nobody in a parent directory is refused (exit 3, file, owner, fix)", async () => {
    const parent = project("planted");
    fs.chownSync(path.join(parent, "spuff.yaml"), 65534, 65534);
    const cwd = path.join(parent, "clone", "src");
    fs.mkdirSync(cwd, { recursive: true });
    for (const args of [["up", "--dry-run"], ["trust"]]) {
      const r = await run(args, cwd);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain(
        `Refusing ${path.join(parent, "spuff.yaml")}: the file is owned by nobody (uid 65534)`,
      );
      expect(r.stderr).toMatch(/chown root /);
    }
  });

  it("${DIGITALOCEAN_TOKEN} is refused even after approval, and its value is never printed", async () => {
    const p = project("hostile", "env: { X: '${DIGITALOCEAN_TOKEN}' }\n");
    for (const args of [["trust"], ["up", "--dry-run", "--json"], ["up", "--no-connect"]]) {
      const r = await run(args, p);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain("DIGITALOCEAN_TOKEN");
      expect(r.stderr + r.stdout).not.toContain(t.env.DIGITALOCEAN_TOKEN);
    }
  });

  it("a repository on a host the user never accepted stops up before anything is created", async () => {
    const p = project("unknown-host", "repositories: ['git@git.unknown.example:me/app.git']\n");
    expect((await run(["trust"], p)).code).toBe(0);
    const before = providerCalls().length;
    const r = await run(["up", "--no-connect"], p);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("clones from git.unknown.example, whose SSH host key is not in");
    expect(r.stderr).toContain("ssh -p 22 -T git@git.unknown.example");
    expect(providerCalls().length).toBe(before);
  });
});
