/**
 * The prebuild journey the issue asks for, on any provider with real machines: a spuff.yaml with
 * bundles node and shell-tools, three packages and one prebuild step (plus a secret env) →
 * `spuff prebuild` → the snapshot's layer holds the environment and none of the machine's or the
 * user's secrets → `up` boots it: bundles done with versions at once, the step's output there,
 * phases `cached`, a new identity (agent token, host key, machine-id), the secret sent again →
 * changing `packages` makes `up` miss it and say so → list/rm. Everything installs from Debian's
 * mirror (directly, or through the test's apt proxy for machines behind a simulator).
 */
import fs from "node:fs";
import path from "node:path";
import { expect } from "vitest";
import { ndjson, type RunResult } from "./cli.ts";
import { filesContaining } from "./files-containing.ts";

export interface PrebuildJourney {
  dir: string;
  run(args: string[], timeoutMs?: number, cwd?: string): Promise<RunResult>;
  /** The snapshot's layer on the host, from its id. */
  layerOf(snapshotId: string): string;
  /** `http_proxy: …` for guests that reach Debian only through the test's proxy. */
  proxyUrl?: string;
  /** What the provider still has (instances), after the prebuild machine was destroyed. */
  instancesLeft(): number;
}

export const SECRET = `pb-secret-${process.pid}-${Date.now().toString(36)}`;
const PACKAGES = ["tree", "less", "file"];

function spuffYaml(packages: string[], proxyUrl?: string): string {
  return [
    "name: pb-e2e",
    "bundles: [node, shell-tools]",
    `packages: [${packages.join(", ")}]`,
    "env:",
    "  API_KEY: placeholder",
    ...(proxyUrl ? [`  http_proxy: ${proxyUrl}`] : []),
    "prebuild:",
    // The output `up` must find, and digests of the prebuild machine's identity and secrets (not
    // the secrets: a digest in the image proves nothing leaked, and lets the new machine compare).
    '  - echo "warmed by the prebuild" > warm.txt && sudo -n sha256sum /etc/spuff/agent.env /etc/ssh/ssh_host_ed25519_key /etc/machine-id ~/.ssh/authorized_keys | cut -d" " -f1 > pb-identity.sha',
  ].join("\n");
}

export async function writeProject(j: PrebuildJourney, packages = PACKAGES): Promise<string> {
  const p = path.join(j.dir, "project");
  fs.mkdirSync(p, { recursive: true });
  fs.writeFileSync(path.join(p, "spuff.yaml"), `${spuffYaml(packages, j.proxyUrl)}\n`);
  fs.writeFileSync(path.join(p, "spuff.secrets.yaml"), `env:\n  API_KEY: ${SECRET}\n`, { mode: 0o600 });
  const t = await j.run(["trust", p]);
  expect(t.code, t.stderr).toBe(0);
  return p;
}

/** `spuff prebuild --json` in the project; returns the snapshot's id and name. */
export async function prebuild(j: PrebuildJourney, project: string): Promise<{ id: string; name: string }> {
  const t0 = Date.now();
  const pb = await j.run(["prebuild", "--json"], 1_200_000, project);
  expect(pb.code, pb.stderr + pb.stdout).toBe(0);
  const last = ndjson(pb.stdout).at(-1) as {
    event: string;
    created: boolean;
    id: string;
    name: string;
    size_gb: number;
  };
  expect(last).toMatchObject({
    event: "prebuild",
    created: true,
    name: expect.stringMatching(/^spuff-pb-pb-e2e-[0-9a-f]{16}$/),
  });
  console.log(`prebuild ${last.name} took ${Math.round((Date.now() - t0) / 1000)} s, ${last.size_gb} GB`);
  // The prebuild machine is gone: from state and from the provider.
  expect(JSON.parse((await j.run(["list", "--json"])).stdout)).toEqual([]);
  expect(j.instancesLeft()).toBe(0);
  return { id: String(last.id), name: last.name };
}

/** The layer has the environment and the step's output, and no secret, key or identity file. */
export function checkLayer(layer: string): void {
  expect(fs.readFileSync(path.join(layer, "home/dev/workspace/warm.txt"), "utf8")).toBe(
    "warmed by the prebuild\n",
  );
  // What the bundles and packages added to the base image (node itself is in the base: the agent needs it).
  for (const bin of ["npm", "fzf", "tree", "file"])
    expect(fs.lstatSync(path.join(layer, "usr/bin", bin), { throwIfNoEntry: false }), bin).toBeDefined();
  expect(filesContaining(layer, [SECRET])).toEqual([]);
  const gone = [
    "etc/spuff/agent.env",
    "etc/spuff/reaper.token",
    "home/dev/.config/spuff/env.sh",
    "home/dev/.ssh/authorized_keys",
    "root/.ssh/authorized_keys",
    "var/lib/cloud/instance",
    "var/lib/cloud/instances",
    "var/lib/cloud/data",
  ];
  for (const f of gone) expect(fs.existsSync(path.join(layer, f)), f).toBe(false);
  expect(fs.readdirSync(path.join(layer, "etc/ssh")).filter((n) => n.startsWith("ssh_host_"))).toEqual([]);
  const mid = path.join(layer, "etc/machine-id");
  if (fs.existsSync(mid)) expect(fs.readFileSync(mid, "utf8")).toBe("");
}

/** `up` from the prebuild: cached phases, bundles done with versions at once, a new identity. */
export async function upFromPrebuild(
  j: PrebuildJourney,
  project: string,
  pb: { name: string },
  name: string,
) {
  const up = await j.run(["up", name, "--no-connect", "--json"], 600_000, project);
  expect(up.code, up.stderr + up.stdout).toBe(0);
  expect(up.stderr).toContain(`Booting prebuild ${pb.name}`);
  const events = ndjson(up.stdout) as {
    event: string;
    phase?: string;
    status?: string;
    cached?: boolean;
    detail?: string;
    ms?: number;
  }[];
  const done = (p: string) => events.find((e) => e.phase === p && e.status === "done");
  expect(done("create_instance")?.detail).toContain(`from prebuild ${pb.name}`);
  expect(done("setup")).toMatchObject({ cached: true, detail: "4 step(s) done (4 cached in the prebuild)" });
  expect(done("wait_ssh")?.cached).toBeUndefined();
  const readyMs = events.at(-1)?.ms as number;

  // Right away, no waiting: every step done, the bundles with their versions, each one cached.
  const st = JSON.parse((await j.run(["status", name, "--json"])).stdout);
  expect(st.instance.prebuild).toBe(pb.name);
  const setup = st.agent.bootstrap.setup as {
    name: string;
    status: string;
    version: string | null;
    reason: string | null;
  }[];
  expect(setup.map((s) => [s.name, s.status, s.reason])).toEqual([
    ["bundle node", "done", "cached"],
    ["bundle shell-tools", "done", "cached"],
    [`packages ${PACKAGES.join(" ")}`, "done", "cached"],
    [expect.stringMatching(/^prebuild 1: echo "warmed by the prebuild"/), "done", "cached"],
  ]);
  expect(setup[0]?.version).toMatch(/^v\d+\./);
  expect(setup[1]?.version).toMatch(/^\d+\.\d+/);

  const onVm = async (script: string) => {
    const r = await j.run(["exec", name, "--", "bash", "-lc", script]);
    expect(r.code, `${script}\n${r.stderr}`).toBe(0);
    return r.stdout;
  };
  expect(await onVm("cat ~/workspace/warm.txt")).toBe("warmed by the prebuild\n");
  expect(await onVm("node --version && command -v tree less file fzf")).toMatch(
    /^v\d+\.[\s\S]*\/tree\n.*\/less\n.*\/file\n.*\/fzf\n$/,
  );
  // The secret env was sent again (the prebuild's copy was scrubbed).
  expect(await onVm('printf %s "$API_KEY"')).toBe(SECRET);
  // None of the prebuild machine's identity or secrets: agent token, host key, machine-id, keys.
  const before = (await onVm("cat ~/workspace/pb-identity.sha")).trim().split("\n");
  expect(before).toHaveLength(4);
  const now = (
    await onVm(
      "sudo -n sha256sum /etc/spuff/agent.env /etc/ssh/ssh_host_ed25519_key /etc/machine-id | cut -d' ' -f1",
    )
  )
    .trim()
    .split("\n");
  expect(now).toHaveLength(3);
  for (let i = 0; i < 3; i++) expect(now[i], `identity file ${i}`).not.toBe(before[i]);
  // authorized_keys: this user's key again (from user-data), and nothing else.
  expect((await onVm("cat ~/.ssh/authorized_keys")).trim().split("\n")).toHaveLength(1);
  return { readyMs };
}

/** A changed `packages` misses the prebuild: one line says so, and `up` installs from scratch. */
export async function upAfterChange(j: PrebuildJourney, name: string): Promise<{ readyMs: number }> {
  const project = await writeProject(j, ["tree", "less"]);
  const up = await j.run(["up", name, "--no-connect", "--json"], 900_000, project);
  expect(up.code, up.stderr + up.stdout).toBe(0);
  const said = up.stderr.split("\n").filter((l) => l.startsWith("No prebuild"));
  expect(said).toEqual([
    expect.stringMatching(
      /^No prebuild of this environment \(spuff-pb-pb-e2e-[0-9a-f]{16}\); installing from scratch\. Make one with: spuff prebuild/,
    ),
  ]);
  const events = ndjson(up.stdout) as { phase?: string; status?: string; cached?: boolean; ms?: number }[];
  expect(events.some((e) => e.cached)).toBe(false);
  return { readyMs: events.at(-1)?.ms as number };
}

/** list shows it with its size; rm removes it. */
export async function listAndRemove(j: PrebuildJourney, pb: { id: string; name: string }): Promise<void> {
  const list = JSON.parse((await j.run(["prebuild", "list", "--json"])).stdout) as {
    id: string;
    name: string;
    size_gb: number;
  }[];
  const mine = list.find((p) => p.name === pb.name);
  expect(mine?.id).toBe(pb.id);
  expect(mine?.size_gb).toBeGreaterThan(0);
  const rm = await j.run(["prebuild", "rm", pb.id, "--json"], 120_000);
  expect(rm.code, rm.stderr).toBe(0);
  const after = JSON.parse((await j.run(["prebuild", "list", "--json"])).stdout) as { name: string }[];
  expect(after.map((p) => p.name)).not.toContain(pb.name);
}
