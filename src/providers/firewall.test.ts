/**
 * "Only SSH reaches the machine" on each cloud, through spuff's own providers against their
 * simulators (every request checked against the vendor spec): the firewall is made on first use
 * and covers the instance from its create (its simulated public address opens 22 only), is shared
 * by later instances, restored and reported when edited by hand, narrowed by `ssh.allow_from`,
 * and left in place by destroy.
 */
import { afterEach, describe, expect, it } from "vitest";
import { awsOnSim, doOnSim, hetznerOnSim } from "../../test/helpers/sim-providers.ts";
import { captureWarnings } from "../../test/helpers/warnings-log.ts";
import type { Logger } from "../core/log.ts";
import { startAwsSim } from "../sim/aws/index.ts";
import type { MachineBackend } from "../sim/backend.ts";
import { startDigitalOceanSim } from "../sim/digitalocean/index.ts";
import { startHetznerSim } from "../sim/hetzner/index.ts";
import { testRequest } from "./test-request.ts";
import type { Provider } from "./types.ts";

interface Subject {
  make(log?: Logger): Promise<Provider>;
  backend: MachineBackend;
  /** The provider's firewalls as the simulator holds them (count). */
  firewallCount(): number;
  /** Opens TCP 8000 to everyone by hand, as a user editing it in the console would. */
  widen(): Promise<void>;
  violations(): unknown[];
  /** Instance id as the simulator knows it. */
  simId(id: string): string;
  close(): Promise<void>;
}

const REGIONS = {
  digitalocean: ["fra1", "s-2vcpu-4gb"],
  hetzner: ["nbg1", "cx22"],
  aws: ["eu-central-1", "t3.medium"],
};
const wait = async (p: Promise<unknown> | undefined) => p && (await p);

const SUBJECTS: { name: keyof typeof REGIONS; start(): Promise<Subject> }[] = [
  {
    name: "digitalocean",
    async start() {
      const sim = await startDigitalOceanSim({ activeAfterMs: 0 });
      return {
        make: (log) => doOnSim(sim, { log }),
        backend: sim.state.backend,
        firewallCount: () => sim.state.firewalls.size,
        async widen() {
          const [f] = [...sim.state.firewalls.values()];
          f?.inbound.push({ protocol: "tcp", ports: "8000", sources: { addresses: ["0.0.0.0/0"] } });
          const { enforceFirewalls } = await import("../sim/digitalocean/firewalls.ts");
          await enforceFirewalls(sim.state);
        },
        violations: () => sim.validator?.violations ?? ["validator disabled"],
        simId: (id) => id,
        close: () => sim.close(),
      };
    },
  },
  {
    name: "hetzner",
    async start() {
      const sim = await startHetznerSim({ activeAfterMs: 0 });
      return {
        make: (log) => hetznerOnSim(sim, { log }),
        backend: sim.state.backend,
        firewallCount: () => sim.state.firewalls.size,
        async widen() {
          for (const s of sim.state.servers.values()) await wait(s.boot);
          const [f] = [...sim.state.firewalls.values()];
          f?.rules.push({ direction: "in", protocol: "tcp", port: "8000", source_ips: ["0.0.0.0/0"] });
          const { enforceFirewalls } = await import("../sim/hetzner/firewalls.ts");
          await enforceFirewalls(sim.state);
        },
        violations: () => sim.validator?.violations ?? ["validator disabled"],
        simId: (id) => id,
        close: () => sim.close(),
      };
    },
  },
  {
    name: "aws",
    async start() {
      const sim = await startAwsSim({ activeAfterMs: 0 });
      const spuffGroups = () => [...sim.state.groups.values()].filter((g) => g.name === "spuff-ssh");
      return {
        make: (log) => awsOnSim(sim, { log }),
        backend: sim.state.backend,
        firewallCount: () => spuffGroups().length,
        async widen() {
          spuffGroups()[0]?.ingress.push({
            protocol: "tcp",
            from: 8000,
            to: 8000,
            cidrs: ["0.0.0.0/0"],
            cidrsV6: [],
          });
          const { enforceGroups } = await import("../sim/aws/ops-groups.ts");
          await enforceGroups(sim.state);
        },
        violations: () => sim.validator?.violations ?? ["validator disabled"],
        simId: (id) => id.split("/").pop() ?? id,
        close: () => sim.close(),
      };
    },
  },
];

let open: Subject | undefined;
afterEach(async () => {
  await open?.close();
  open = undefined;
});

describe.each(SUBJECTS)("provider firewall: $name", (subject) => {
  const [region, size] = REGIONS[subject.name] as [string, string];
  const request = (name: string, over = {}) => testRequest(name, { region, size }, over);

  it("made on first use, covers the instance from its create (22 only), shared, kept by destroy", async () => {
    open = await subject.start();
    const s = open;
    const provider = await s.make();
    const a = await provider.createInstance(request("spuff-fw-a"));
    expect(s.backend.openPorts?.(s.simId(a.id))).toEqual([22]);
    expect(s.firewallCount()).toBe(1);
    const [view] = (await provider.firewalls?.(a.id)) ?? [];
    expect(view?.name).toBe("spuff-ssh");
    expect(view?.inbound).toEqual(
      expect.arrayContaining([
        {
          protocol: "tcp",
          ports: { from: 22, to: 22 },
          sources: expect.arrayContaining(["0.0.0.0/0", "::/0"]),
        },
        expect.objectContaining({ protocol: "icmp" }),
      ]),
    );
    expect(view?.inbound).toHaveLength(2);
    // Another process, another instance: the same firewall, no drift reported.
    const { log, warnings } = captureWarnings();
    const b = await (await s.make(log)).createInstance(request("spuff-fw-b"));
    expect(s.firewallCount()).toBe(1);
    expect(warnings).toEqual([]);
    expect(s.backend.openPorts?.(s.simId(b.id))).toEqual([22]);
    await provider.destroyInstance(a.id);
    expect(s.firewallCount()).toBe(1);
    expect(s.violations()).toEqual([]);
  });

  it("a rule added by hand opens 8000 until the next create restores the rules and warns", async () => {
    open = await subject.start();
    const s = open;
    const a = await (await s.make()).createInstance(request("spuff-fw-a"));
    await s.widen();
    expect(s.backend.openPorts?.(s.simId(a.id))).toEqual([22, 8000]);
    const { log, warnings } = captureWarnings();
    await (await s.make(log)).createInstance(request("spuff-fw-b"));
    expect(s.backend.openPorts?.(s.simId(a.id))).toEqual([22]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /firewall spuff-ssh \(.+\) was edited: inbound rules were .*tcp 8000 from 0\.0\.0\.0\/0.*restored/,
    );
    expect(s.violations()).toEqual([]);
  });

  it("ssh.allow_from narrows the SSH rule: a host outside it reaches nothing", async () => {
    open = await subject.start();
    const s = open;
    const provider = await s.make();
    const a = await provider.createInstance(request("spuff-fw-a", { sshAllowFrom: ["203.0.113.0/24"] }));
    const [view] = (await provider.firewalls?.(a.id)) ?? [];
    expect(view?.inbound).toContainEqual({
      protocol: "tcp",
      ports: { from: 22, to: 22 },
      sources: ["203.0.113.0/24"],
    });
    expect(s.backend.openPorts?.(s.simId(a.id))).toEqual([]);
    expect(s.violations()).toEqual([]);
  });
});
