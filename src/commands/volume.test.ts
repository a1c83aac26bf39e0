/** `down` with a workspace volume and `spuff volume list|resize|rm`, against the DigitalOcean simulator. */
import { describe, expect, it } from "vitest";
import { useDoSimDeps } from "../../test/helpers/do-sim-deps.ts";
import { sample } from "../../test/helpers/instances.ts";
import { ExitCode } from "../core/errors.ts";
import { currentOwner } from "../state/owner.ts";
import { VOLUME_LABEL } from "../up/volume.ts";
import { runDown } from "./down.ts";
import { runVolumeList, runVolumeResize, runVolumeRm } from "./volume.ts";

const t = useDoSimDeps("volume");

const api = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(t.sim.url + path, {
    method,
    headers: { authorization: `Bearer ${t.sim.token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return text ? JSON.parse(text) : undefined;
};

/** A droplet with volume `w` attached (through the API), recorded as spuff's instance "box". */
async function boxWithVolume(): Promise<{ dropletId: string; volumeId: string }> {
  const dropletId = await t.dropletFor("box");
  const vol = (
    await api("POST", "/v2/volumes", { name: "w", size_gigabytes: 10, region: "fra1", tags: ["spuff"] })
  ).volume;
  await api("POST", `/v2/volumes/${vol.id}/actions`, { type: "attach", droplet_id: Number(dropletId) });
  const store = await t.deps.state();
  store.save(sample("box", { providerId: dropletId, status: "ready", tags: { [VOLUME_LABEL]: "w" } }));
  store.volumes.put({
    provider: "digitalocean",
    name: "w",
    providerId: vol.id,
    region: "fra1",
    sizeGb: 10,
    fsUuid: "u",
  });
  return { dropletId, volumeId: vol.id };
}

describe("down with a workspace volume", () => {
  it("keeps the volume and says so only once the API shows it detached and intact", async () => {
    const { volumeId } = await boxWithVolume();
    await runDown(t.deps, "box", { yes: true });
    expect(t.io.stdout()).toBe(
      "Destroyed box\nKept volume w (10 GB): detached and intact per digitalocean; `spuff up --volume w` brings it back\n",
    );
    expect(t.sim.state.volumes.get(volumeId)).toMatchObject({ dropletIds: [], sizeGb: 10 });
    expect((await t.deps.state()).volumes.get("digitalocean", "w")).toBeDefined();
    // The volume was read after the droplet's DELETE: the claim rests on the provider's answer.
    const calls = t.sim.requests.map((r) => `${r.method} ${r.path}`);
    expect(calls.lastIndexOf("GET /v2/volumes")).toBeGreaterThan(
      calls.findIndex((c) => c.startsWith("DELETE /v2/droplets")),
    );
    expect(t.sim.validator?.violations).toEqual([]);
  });

  it("--delete-volume without a terminal and without --yes refuses, naming the size; nothing is touched", async () => {
    const { volumeId } = await boxWithVolume();
    const err = await runDown(t.deps, "box", { deleteVolume: true, yes: false }).catch((e) => e);
    // down's own confirmation refuses first (no terminal); with --yes for down only, the flag still needs it.
    expect(err.exitCode).toBe(ExitCode.usage);
    expect(t.sim.state.droplets.size).toBe(1);
    expect(t.sim.state.volumes.has(volumeId)).toBe(true);
  });

  it("--delete-volume --yes deletes it after the droplet, and the provider no longer lists it", async () => {
    const { volumeId } = await boxWithVolume();
    await runDown(t.deps, "box", { deleteVolume: true, yes: true });
    expect(t.io.stdout()).toContain("Deleted volume w (10 GB); digitalocean no longer lists it");
    expect(t.sim.state.volumes.has(volumeId)).toBe(false);
    expect((await t.deps.state()).volumes.list()).toEqual([]);
  });
});

describe("spuff volume", () => {
  it("list --json shows spuff's volumes with the monthly price; resize grows; rm refuses an attached one", async () => {
    await boxWithVolume();
    // Someone else's volume in the same account is not listed.
    await api("POST", "/v2/volumes", { name: "theirs", size_gigabytes: 1, region: "fra1" });
    t.deps = t.makeDeps(true);
    await new Promise((r) => setTimeout(r, 400)); // the attach action completes on the sim's timeline
    await runVolumeList(t.deps);
    const [v] = JSON.parse(t.io.stdout());
    expect(v).toMatchObject({
      name: "w",
      size_gb: 10,
      region: "fra1",
      // 10 GB × DigitalOcean's vendored 0.10 USD per GB-month, the rate `spuff cost` lists.
      price_monthly: { known: true, micros: 1_000_000, per: "month", currency: "USD", text: "1.00 USD/mo" },
      device: "/dev/disk/by-id/scsi-0DO_Volume_w",
      known: true,
    });
    expect(v.attached_to).toHaveLength(1);
    expect(JSON.parse(t.io.stdout()).length).toBe(1);

    t.deps = t.makeDeps(false);
    await expect(runVolumeResize(t.deps, "w", "5")).rejects.toMatchObject({ code: "volume_shrink" });
    await runVolumeResize(t.deps, "w", "20");
    expect((await t.deps.state()).volumes.get("digitalocean", "w")?.sizeGb).toBe(20);
    await expect(runVolumeRm(t.deps, "w", { yes: true })).rejects.toMatchObject({ code: "volume_in_use" });
    await expect(runVolumeRm(t.deps, "$(id)", { yes: true })).rejects.toMatchObject({
      code: "invalid_volume",
    });
  });

  it("rm without a terminal needs --yes; with it the provider lists the volume no more", async () => {
    await api("POST", "/v2/volumes", { name: "old", size_gigabytes: 3, region: "fra1", tags: ["spuff"] });
    const err = await runVolumeRm(t.deps, "old").catch((e) => e);
    expect(err.exitCode).toBe(ExitCode.usage);
    expect(err.message).toContain("3 GB, its data goes");
    await runVolumeRm(t.deps, "old", { yes: true });
    expect(t.io.stdout()).toBe("Deleted volume old (3 GB); digitalocean no longer lists it\n");
    expect(t.sim.state.volumes.size).toBe(0);
  });
});

describe("gc and volumes (data first)", () => {
  it("reports a tagged volume state does not know and keeps it; --volumes needs a confirmation (--yes) and spares known ones", async () => {
    const { runGc } = await import("./gc.ts");
    await api("POST", "/v2/volumes", { name: "stray", size_gigabytes: 4, region: "fra1", tags: ["spuff"] });
    const mine = (
      await api("POST", "/v2/volumes", { name: "mine", size_gigabytes: 2, region: "fra1", tags: ["spuff"] })
    ).volume;
    (await t.deps.state()).volumes.put({
      provider: "digitalocean",
      name: "mine",
      providerId: mine.id,
      region: "fra1",
      sizeGb: 2,
      fsUuid: null,
    });
    await runGc(t.deps, { yes: true });
    expect(t.io.stderr()).toContain(
      "· volume stray (4 GB, digitalocean, 0.40 USD/mo): tagged as spuff's but unknown to state — kept; delete with `spuff gc --volumes`",
    );
    expect(t.io.stderr()).toContain(
      "· volume mine (2 GB, digitalocean, 0.20 USD/mo): kept, attached to nothing",
    );
    expect(t.sim.state.volumes.size).toBe(2);

    const refused = await runGc(t.deps, { volumes: true }).catch((e) => e);
    expect(refused.exitCode).toBe(ExitCode.usage);
    expect(refused.message).toContain("stray (4 GB, digitalocean)");
    expect(t.sim.state.volumes.size).toBe(2);

    t.deps = t.makeDeps(true);
    await runGc(t.deps, { volumes: true, yes: true });
    const out = JSON.parse(t.io.stdout());
    expect(
      out.volumes.map((v: { name: string; outcome: string }) => `${v.name}:${v.outcome}`).sort(),
    ).toEqual(["mine:reported", "stray:deleted"]);
    expect([...t.sim.state.volumes.values()].map((v) => v.name)).toEqual(["mine"]);
  });

  it("forgets a volume record whose create never happened, unless a live up may still create it", async () => {
    const { runGc } = await import("./gc.ts");
    const made = (
      await api("POST", "/v2/volumes", { name: "made", size_gigabytes: 2, region: "fra1", tags: ["spuff"] })
    ).volume;
    const store = await t.deps.state();
    const intent = (name: string) =>
      store.volumes.put({
        provider: "digitalocean",
        name,
        providerId: "",
        region: "fra1",
        sizeGb: 2,
        fsUuid: null,
      });
    // ghost: an up killed between the intent row and the create. made: killed after the create,
    // before the id was saved (the volume exists: it stays known). busy: an up of this very
    // process is still creating it.
    for (const name of ["ghost", "made", "busy"]) intent(name);
    store.save(sample("box", { owner: currentOwner(), tags: { spuff: "true", [VOLUME_LABEL]: "busy" } }));

    await runGc(t.deps, { dryRun: true });
    expect(t.io.stderr()).toContain(
      "· volume ghost (digitalocean): its create never happened, digitalocean has no such volume — record would be forgotten (dry run)",
    );
    expect(store.volumes.list().map((v) => v.name)).toEqual(["busy", "ghost", "made"]);

    t.deps = t.makeDeps(true);
    await runGc(t.deps, { yes: true });
    expect(JSON.parse(t.io.stdout()).volume_intents).toEqual([
      { provider: "digitalocean", name: "ghost", outcome: "forgotten" },
    ]);
    const left = (await t.deps.state()).volumes.list();
    expect(left.map((v) => v.name)).toEqual(["busy", "made"]);
    expect(t.sim.state.volumes.get(made.id)).toBeDefined();
    expect(t.sim.validator?.violations).toEqual([]);
  });
});
