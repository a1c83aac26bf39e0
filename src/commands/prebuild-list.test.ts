/** `spuff prebuild list|rm|gc` against the DigitalOcean simulator (every request spec-checked). */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { useDoSimDeps } from "../../test/helpers/do-sim-deps.ts";
import { runPrebuildGc, runPrebuildList, runPrebuildRm } from "./prebuild-list.ts";

const t = useDoSimDeps("prebuild");
const H = (c: string) => c.repeat(16);

async function seed(): Promise<void> {
  const droplet = Number(await t.dropletFor("src"));
  const snaps: [number, string, number][] = [
    [11, `spuff-pb-app-${H("a")}`, 1],
    [12, `spuff-pb-app-${H("b")}`, 3],
    [13, `spuff-pb-app-${H("c")}`, 2],
    [14, `spuff-pb-web-${H("d")}`, 1],
    [15, "nightly", 9],
  ];
  for (const [id, name, day] of snaps)
    t.sim.state.snapshots.set(id, {
      id,
      name,
      createdAt: Date.UTC(2026, 0, day) / 1000,
      region: "fra1",
      sizeGb: id - 10,
      minDisk: 25,
      dropletId: droplet,
    });
}

const json = async (run: () => Promise<void>) => {
  t.deps.close();
  t.deps = t.makeDeps(true);
  await run();
  return JSON.parse(t.io.stdout());
};

describe("spuff prebuild list|rm|gc", () => {
  it("list: only prebuilds, newest first, with project, hash and size; the table too", async () => {
    await seed();
    const list = await json(() => runPrebuildList(t.deps));
    expect(
      list.map((p: { id: string; project: string; size_gb: number }) => [p.id, p.project, p.size_gb]),
    ).toEqual([
      ["12", "app", 2],
      ["13", "app", 3],
      ["11", "app", 1],
      ["14", "web", 4],
    ]);
    expect(list[0]).toMatchObject({ name: `spuff-pb-app-${H("b")}`, hash: H("b"), regions: ["fra1"] });
    // The cost registry's price: DigitalOcean's per-GB snapshot price × 2 GB, a month.
    expect(list[0].monthly).toMatchObject({ known: true, per: "month", currency: "USD" });
    expect(list[3].monthly.micros).toBe(2 * list[0].monthly.micros);
    t.deps.close();
    t.deps = t.makeDeps(false);
    await runPrebuildList(t.deps);
    expect(t.io.stdout()).toMatch(
      /^ID +PROJECT +HASH +SIZE +MONTHLY +REGIONS +CREATED\n12 +app +b{16} +2 GB +\S+ \S+ +fra1 /,
    );
    expect(t.sim.validator?.violations).toEqual([]);
  });

  it("rm: by id or name; a non-prebuild or unknown one is refused and nothing is removed", async () => {
    await seed();
    await expect(runPrebuildRm(t.deps, ["11", "15"])).rejects.toMatchObject({ code: "prebuild_not_found" });
    await expect(runPrebuildRm(t.deps, ["11", "../12"])).rejects.toMatchObject({
      code: "prebuild_not_found",
    });
    expect(t.sim.state.snapshots.size).toBe(5);
    const out = await json(() => runPrebuildRm(t.deps, ["11", `spuff-pb-web-${H("d")}`]));
    expect(out.removed.map((p: { id: string }) => p.id)).toEqual(["11", "14"]);
    expect([...t.sim.state.snapshots.keys()].sort()).toEqual([12, 13, 15]);
  });

  it("gc: keeps prebuild.keep newest per project (default 1), --keep overrides, never other snapshots", async () => {
    await seed();
    fs.writeFileSync(path.join(t.dir, "config.yaml"), "provider: digitalocean\nprebuild:\n  keep: 2\n", {
      mode: 0o600,
    });
    const two = await json(() => runPrebuildGc(t.deps));
    expect(two).toMatchObject({ keep: 2, removed: [{ id: "11" }] });
    const one = await json(() => runPrebuildGc(t.deps, { keep: "1" }));
    expect(one.removed.map((p: { id: string }) => p.id)).toEqual(["13"]);
    expect([...t.sim.state.snapshots.keys()].sort()).toEqual([12, 14, 15]);
    await expect(runPrebuildGc(t.deps, { keep: "0" })).rejects.toMatchObject({ code: "bad_keep" });
    await expect(runPrebuildGc(t.deps, { keep: "1; rm -rf /" })).rejects.toMatchObject({ code: "bad_keep" });
    expect(t.sim.validator?.violations).toEqual([]);
  });
});
