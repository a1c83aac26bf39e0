/** ensureFirewall's own logic on a fake store: create, adopt after a lost race, restore and warn. */
import { describe, expect, it } from "vitest";
import { captureWarnings } from "../../test/helpers/warnings-log.ts";
import { desiredInbound, ensureFirewall, type FirewallStore, type InboundRule } from "./firewall.ts";

interface Fw {
  id: string;
  rules: InboundRule[];
}

function fakeStore(initial: Fw | undefined, o: { raceOnCreate?: Fw } = {}) {
  let current = initial;
  const calls: string[] = [];
  const store: FirewallStore<Fw> = {
    find: async () => current,
    async create() {
      calls.push("create");
      if (o.raceOnCreate) {
        current = o.raceOnCreate;
        throw new Error("duplicate");
      }
      current = { id: "new", rules: desiredInbound() };
      return current;
    },
    isDuplicate: (err) => err instanceof Error && err.message === "duplicate",
    inbound: (f) => f.rules,
    async restore(f) {
      calls.push(`restore ${f.id}`);
      f.rules = desiredInbound();
    },
    describe: (f) => ({ id: f.id, name: "spuff-ssh" }),
  };
  return { store, calls };
}

const { log, warnings } = captureWarnings();

describe("ensureFirewall", () => {
  it("creates it when missing; adopts a concurrent creator's; reports nothing when rules match", async () => {
    const a = fakeStore(undefined);
    expect((await ensureFirewall(a.store, desiredInbound(), log)).firewall.id).toBe("new");
    const b = fakeStore(undefined, { raceOnCreate: { id: "theirs", rules: desiredInbound() } });
    const res = await ensureFirewall(b.store, desiredInbound(), log);
    expect([res.firewall.id, res.drift, b.calls]).toEqual(["theirs", [], ["create"]]);
  });

  it("restores edited rules and warns once, with API text escaped", async () => {
    warnings.length = 0;
    const edited = {
      id: "fw\u001b[2J",
      rules: [
        ...desiredInbound(),
        { protocol: "tcp" as const, ports: { from: 8000, to: 8000 }, sources: ["\u202e0.0.0.0/0"] },
      ],
    };
    const s = fakeStore(edited);
    const res = await ensureFirewall(s.store, desiredInbound(), log);
    expect(s.calls).toEqual(["restore fw\u001b[2J"]);
    expect(res.drift).toHaveLength(1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("(fw\\u001b[2J) was edited: inbound rules were ");
    expect(warnings[0]).toContain("tcp 8000 from \\u202e0.0.0.0/0");
    expect(warnings[0]).not.toMatch(/[\u001b\u202e]/);
  });
});
