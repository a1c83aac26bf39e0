/**
 * Snapshots on real local machines (nspawn): `snapshot create` leaves the machine's secrets (agent
 * token, project env) out of the image, as the layer on the host shows, and puts them back on the
 * running machine; `up --snapshot` from that image reaches ready with the data and a fresh agent
 * token (before, the image's old agent started with the old token and start_agent got 401).
 */

import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MachineEngine } from "../../src/machines/engine.ts";
import { machineLayout } from "../../src/machines/layout.ts";
import { HOST_FROM_GUEST } from "../../src/machines/slirp.ts";
import { startDigitalOceanSim } from "../../src/sim/digitalocean/index.ts";
import { realMachineBackend } from "../../src/sim/machine-backend.ts";
import { filesContaining } from "../helpers/files-containing.ts";
import { initJourney, type Journey, newJourney } from "../helpers/journey.ts";
import { runMachineSuites } from "../helpers/machines.ts";

const agentToken = (j: Journey, name: string) =>
  fs
    .readFileSync(path.join(j.env.SPUFF_CONFIG_DIR as string, "instances", name, "agent.token"), "utf8")
    .trim();

/**
 * up → data and a project env on the machine → snapshot create → the image's layer on the host
 * holds the data but no secret → the source machine got them back → up --snapshot: ready, data
 * there, a fresh token. Returns the old token and the snapshot id.
 */
async function snapshotJourney(
  j: Journey,
  o: { snapName: string; layerOf(snapshotId: string): string; secrets: string[] },
): Promise<{ oldToken: string; snapshotId: string }> {
  const run = j.run;
  const up = await run(["up", "src", "--no-connect", "--json"], 300_000);
  expect(up.code, up.stderr).toBe(0);

  const tokenOf = (name: string) => agentToken(j, name);
  const oldToken = tokenOf("src");
  const envSecret = `project-secret-${Date.now()}`;
  const data = `data-${Date.now()}`;
  // The project's env file as environment delivery writes it (0600 in the dev user's config dir).
  const prep = await run([
    "exec",
    "src",
    "--",
    "sh",
    "-c",
    `echo ${data} > ~/data.txt && mkdir -p ~/.config/spuff && umask 077 && echo "export API_KEY=${envSecret}" > ~/.config/spuff/env.sh`,
  ]);
  expect(prep.code, prep.stderr).toBe(0);

  const snap = await run(["snapshot", "create", "src", "--name", o.snapName, "--json"], 180_000);
  expect(snap.code, snap.stderr).toBe(0);
  const snapshotId = String(JSON.parse(snap.stdout).snapshot.id);

  // The image's layer on the host: the data is there, no secret is, nor their files.
  const layer = o.layerOf(snapshotId);
  expect(fs.readFileSync(path.join(layer, "home/dev/data.txt"), "utf8")).toBe(`${data}\n`);
  expect(filesContaining(layer, [oldToken, envSecret, ...o.secrets])).toEqual([]);
  for (const f of ["etc/spuff/agent.env", "etc/spuff/reaper.token", "home/dev/.config/spuff/env.sh"]) {
    expect(fs.existsSync(path.join(layer, f)), f).toBe(false);
  }

  // The running machine got its secrets back: its agent still takes the token, env.sh is there.
  const after = await run([
    "exec",
    "src",
    "--",
    "sh",
    "-c",
    "cat ~/.config/spuff/env.sh; sudo -n cat /etc/spuff/agent.env; sudo -n cat /etc/spuff/reaper.token 2>/dev/null || true",
  ]);
  expect(after.stdout).toContain(envSecret);
  for (const secret of o.secrets) expect(after.stdout).toContain(secret);
  expect(after.stdout).toContain(oldToken);
  expect(JSON.parse((await run(["status", "src", "--json"])).stdout).agent).toMatchObject({
    token_accepted: true,
  });

  // A machine from the snapshot: ready, the data there, a fresh token its agent accepts.
  const up2 = await run(["up", "copy", "--snapshot", snapshotId, "--no-connect", "--json"], 300_000);
  expect(up2.code, up2.stderr + up2.stdout).toBe(0);
  const newToken = tokenOf("copy");
  expect(newToken).not.toBe(oldToken);
  const onCopy = await run([
    "exec",
    "copy",
    "--",
    "sh",
    "-c",
    "cat ~/data.txt; sudo -n cat /etc/spuff/agent.env",
  ]);
  expect(onCopy.stdout).toContain(data);
  expect(onCopy.stdout).toContain(newToken);
  expect(onCopy.stdout).not.toContain(oldToken);
  expect(JSON.parse((await run(["status", "copy", "--json"])).stdout).agent).toMatchObject({
    token_accepted: true,
  });

  return { oldToken, snapshotId };
}

describe.runIf(runMachineSuites)("snapshots carry no secrets; up --snapshot gets fresh ones", () => {
  const dirs: string[] = [];
  // Images live in the shared images dir (tempDataDir links it): unique names, always removed.
  const tag = `${process.pid.toString(36)}${Date.now().toString(36)}`;
  const SNAP = `sec-${tag}`;
  const RAW = `raw-${tag}`;
  afterAll(async () => {
    for (const d of dirs) {
      const engine = new MachineEngine({ layout: machineLayout(d) });
      for (const m of engine.list()) await engine.destroy(m.id);
      const images = fs.realpathSync(path.join(d, "images"));
      for (const img of [SNAP, RAW]) fs.rmSync(path.join(images, img), { recursive: true, force: true });
      fs.rmSync(d, { recursive: true, force: true });
    }
  });

  it("local provider (nspawn)", async () => {
    const j = newJourney("snap-secrets");
    dirs.push(j.dir);
    const run = j.run;
    await initJourney(j, "local");
    const { oldToken } = await snapshotJourney(j, {
      snapName: SNAP,
      layerOf: (id) => path.join(machineLayout(j.dir).imageDir(id), "layer"),
      secrets: [],
    });
    const tokenOf = (name: string) => agentToken(j, name);

    // An image that still holds the old agent token (made by an older spuff, or outside spuff): its
    // agent starts at boot with that token; up must restart it on the fresh one, not fail with 401.
    const [srcRec] = (
      JSON.parse((await run(["list", "--json"])).stdout) as { name: string; provider_id: string }[]
    ).filter((r) => r.name === "src");
    const engine = new MachineEngine({ layout: machineLayout(j.dir) });
    await engine.snapshot(srcRec?.provider_id as string, RAW);
    expect(fs.existsSync(path.join(machineLayout(j.dir).imageDir(RAW), "layer/etc/spuff/agent.env"))).toBe(
      true,
    );
    const up3 = await run(["up", "raw", "--snapshot", RAW, "--no-connect", "--json"], 300_000);
    expect(up3.code, up3.stderr + up3.stdout).toBe(0);
    expect(tokenOf("raw")).not.toBe(oldToken);
    expect(JSON.parse((await run(["status", "raw", "--json"])).stdout).agent).toMatchObject({
      token_accepted: true,
    });

    for (const name of ["raw", "copy", "src"])
      expect((await run(["down", name, "--yes"], 180_000)).code).toBe(0);
    for (const snap of [SNAP, RAW]) expect((await run(["snapshot", "delete", snap])).code).toBe(0);
  }, 900_000);
  it("DigitalOcean simulator with the nspawn backend (and a reaper token)", async () => {
    const reaper = `dop_v1_${randomBytes(32).toString("hex")}`;
    const j = newJourney("snap-secrets-do");
    dirs.push(j.dir);
    const sim = await startDigitalOceanSim({
      activeAfterMs: 200,
      actionAfterMs: 200,
      backend: realMachineBackend({ driver: "nspawn", dataDir: j.dir }),
      scopedTokens: [{ name: "reaper", token: reaper, scopes: ["droplet:delete"] }],
    });
    try {
      // From the guest the host's loopback is 10.0.2.2 (sim machines only).
      Object.assign(j.env, {
        DIGITALOCEAN_TOKEN: sim.token,
        DIGITALOCEAN_API_URL: sim.url,
        SPUFF_REAPER_TOKEN: reaper,
        SPUFF_AGENT_API_URL: sim.url.replace("127.0.0.1", HOST_FROM_GUEST),
        SPUFF_AGENT_METADATA_URL: sim.metadataUrl.replace("127.0.0.1", HOST_FROM_GUEST),
      });
      await initJourney(j, "digitalocean");
      const { snapshotId } = await snapshotJourney(j, {
        snapName: `do-${SNAP}`,
        layerOf: (id) => {
          const image = sim.state.snapshots.get(Number(id))?.backendImage;
          expect(image, `snapshot ${id} has a machine image`).toBeDefined();
          return path.join(machineLayout(j.dir).imageDir(image as string), "layer");
        },
        secrets: [reaper],
      });
      // The copy got the reaper token again, fresh over SSH (not from the image).
      const onCopy = await j.run(["exec", "copy", "--", "sudo", "-n", "cat", "/etc/spuff/reaper.token"]);
      expect(onCopy.stdout.trim()).toBe(reaper);
      for (const name of ["copy", "src"])
        expect((await j.run(["down", name, "--yes"], 180_000)).code).toBe(0);
      expect((await j.run(["snapshot", "delete", snapshotId])).code).toBe(0);
      expect(sim.validator?.violations).toEqual([]);
    } finally {
      await sim.close();
    }
  }, 900_000);
});
