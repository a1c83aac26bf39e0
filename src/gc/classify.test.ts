import { describe, expect, it } from "vitest";
import { sample } from "../../test/helpers/instances.ts";
import type { ProviderInstance } from "../providers/types.ts";
import type { InstanceRecord } from "../state/types.ts";
import { classify } from "./classify.ts";

const NOW = "2026-12-01T12:00:00.000Z";

function rec(name: string, extra: Partial<InstanceRecord> = {}): InstanceRecord {
  return { ...sample(name), id: `rec-${name}`, updatedAt: NOW, owner: null, ...extra };
}

function inst(id: string, name: string, status: ProviderInstance["status"] = "active"): ProviderInstance {
  return { id, name, ip: null, status, region: "fra1", size: "s", createdAt: NOW, labels: {} };
}

function run(
  listing: ProviderInstance[],
  records: InstanceRecord[],
  o: { gone?: string[]; live?: string[] } = {},
) {
  return classify({
    provider: "digitalocean",
    listing,
    records,
    confirmedGone: new Set(o.gone ?? []),
    nowIso: NOW,
    isInProgress: (r) => (o.live ?? []).includes(r.name),
  });
}

const kinds = (c: ReturnType<typeof run>) => c.garbage.map((g) => [g.kind, g.name, g.instanceId, g.recordId]);

describe("gc classification", () => {
  it("finds orphans: tagged instances no record knows, by id or (without an id) by name", () => {
    const c = run(
      [inst("1", "known"), inst("2", "by-name"), inst("3", "stray")],
      [rec("known", { providerId: "1", status: "ready" }), rec("by-name", { status: "failed" })],
    );
    expect(kinds(c)).toEqual([["orphan", "stray", "3", null]]);
  });

  it("a second instance with a known name but another id is still an orphan", () => {
    const c = run([inst("1", "web"), inst("9", "web")], [rec("web", { providerId: "1", status: "ready" })]);
    expect(kinds(c)).toEqual([["orphan", "web", "9", null]]);
  });

  it("forgets records pointing at nothing only when the provider confirmed the id gone", () => {
    const records = [
      rec("gone", { providerId: "5", status: "ready" }),
      rec("unlisted", { providerId: "6", status: "ready" }),
    ];
    const c = run([], records, { gone: ["rec-gone"] });
    expect(kinds(c)).toEqual([["dangling", "gone", null, "rec-gone"]]);
  });

  it("intent records without an instance are stale; with one found by name, the instance is abandoned", () => {
    const c = run(
      [inst("7", "half")],
      [rec("never", { status: "creating" }), rec("half", { status: "creating" })],
    );
    expect(kinds(c)).toEqual([
      ["stale_intent", "never", null, "rec-never"],
      ["abandoned", "half", "7", "rec-half"],
    ]);
  });

  it("an up that died after the id was saved leaves an abandoned instance, even if not yet listed", () => {
    const c = run([], [rec("slow", { providerId: "8", status: "provisioning", phase: "wait_ssh" })]);
    expect(kinds(c)).toEqual([["abandoned", "slow", "8", "rec-slow"]]);
    expect(c.garbage[0]?.reason).toContain("wait_ssh");
  });

  it("leaves a live up's record and its instance alone, whether or not the id is saved yet", () => {
    const c = run(
      [inst("1", "making"), inst("2", "made")],
      [
        rec("making", { status: "creating", owner: { pid: 42, host: "h", start: null } }),
        rec("made", { providerId: "2", status: "provisioning" }),
      ],
      { live: ["making", "made"] },
    );
    expect(c.garbage).toEqual([]);
    expect(c.inProgress).toEqual([
      { provider: "digitalocean", name: "making", pid: 42 },
      { provider: "digitalocean", name: "made", pid: null },
    ]);
  });

  it("destroys powered-off and expired instances; ready ones before their deadline stay", () => {
    const c = run(
      [inst("1", "off", "off"), inst("2", "old"), inst("3", "fine")],
      [
        rec("off", { providerId: "1", status: "ready" }),
        rec("old", { providerId: "2", status: "ready", deadlineAt: "2026-12-01T11:59:59.000Z" }),
        rec("fine", { providerId: "3", status: "ready", deadlineAt: "2026-12-01T12:00:01.000Z" }),
      ],
    );
    expect(kinds(c)).toEqual([
      ["powered_off", "off", "1", "rec-off"],
      ["expired", "old", "2", "rec-old"],
    ]);
  });

  it("a destroy that did not finish is finished; a failed up kept for inspection is left alone", () => {
    const c = run(
      [inst("4", "kept"), inst("5", "half-destroyed")],
      [
        rec("kept", { providerId: "4", status: "failed" }),
        rec("half-destroyed", { providerId: "5", status: "destroying", error: "timeout" }),
      ],
    );
    expect(kinds(c)).toEqual([["abandoned", "half-destroyed", "5", "rec-half-destroyed"]]);
    expect(c.garbage[0]?.reason).toContain("did not finish (timeout)");
  });

  it("a failed up kept for inspection is not garbage while its instance runs", () => {
    const c = run([inst("4", "kept")], [rec("kept", { providerId: "4", status: "failed" })]);
    expect(c.garbage).toEqual([]);
  });
});
