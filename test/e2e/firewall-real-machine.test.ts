/**
 * Only SSH reaches a spuff machine, on each cloud simulator backed by nspawn machines whose
 * simulated public address forwards 22, 80, 443, 3000, 5432, 8000 and 8080 unless a firewall
 * covers them. A machine made in the simulator without spuff answers on 8000 (so the refusal
 * below is the firewall's doing); after `spuff up`, a server on the VM bound to 0.0.0.0:8000 is
 * refused from the host while `spuff exec` (SSH) works and `spuff tunnel -p 8000` reaches it.
 * `status --detailed` and the official client show the rules spuff set; a rule added by hand
 * through the official client opens 8000 until the next `up` restores the rules and says so.
 */
import net from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { machineLayout } from "../../src/machines/layout.ts";
import { realMachineBackend } from "../../src/sim/machine-backend.ts";
import { FIREWALL_SIMS, removeCliHome } from "../helpers/firewall-sims.ts";
import { initJourney, type Journey, newJourney } from "../helpers/journey.ts";
import { leftovers, NOTHING_LEFT, removeDataDirs, runMachineSuites } from "../helpers/machines.ts";
import { startSpuff } from "../helpers/spuff-process.ts";

const MARKER = "served-on-8000";
const SERVE = `mkdir -p /tmp/www && echo ${MARKER} > /tmp/www/m.txt && cd /tmp/www && setsid nohup python3 -m http.server 8000 --bind 0.0.0.0 >/tmp/www.log 2>&1 </dev/null &`;

/** What the host gets from ip:port: the body of /m.txt, or the connection error's code. Bounded. */
async function probe(ip: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: ip, port });
    let data = "";
    sock.setTimeout(5000, () => sock.destroy(Object.assign(new Error("timeout"), { code: "TIMEOUT" })));
    sock.on("connect", () => sock.end(`GET /m.txt HTTP/1.0\r\nHost: ${ip}\r\n\r\n`));
    sock.on("data", (b) => {
      data += b.toString();
    });
    sock.on("end", () => resolve(data.includes(MARKER) ? MARKER : `answered: ${data.slice(0, 40)}`));
    sock.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

/** Polls until `probe` gives `want` (a server still starting answers otherwise), ≤ ~limitMs. */
async function probeUntil(ip: string, port: number, want: string, limitMs = 120_000): Promise<string> {
  let got = "";
  const end = Date.now() + limitMs;
  while (Date.now() < end) {
    got = await probe(ip, port);
    if (got === want) return got;
    await new Promise((r) => setTimeout(r, 500));
  }
  return got;
}

async function ipOf(j: Journey, name: string): Promise<string> {
  const list = JSON.parse((await j.run(["list", "--json"])).stdout) as { name: string; ip: string }[];
  return list.find((r) => r.name === name)?.ip ?? "";
}

describe.runIf(runMachineSuites)("provider firewalls on simulated public addresses", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await removeDataDirs(dirs);
    removeCliHome();
  });

  for (const s of FIREWALL_SIMS) {
    it(`${s.provider}: only SSH reaches the machine; a hand-made rule is restored by the next up`, async () => {
      const j = newJourney(`fw-${s.provider}`);
      dirs.push(j.dir);
      const sim = await s.start(realMachineBackend({ driver: "nspawn", dataDir: j.dir }));
      try {
        Object.assign(j.env, sim.env);
        await initJourney(j, s.provider);
        // No firewall: the simulated public address takes 8000 to the guest.
        const bareIp = await sim.bare(SERVE);
        const up = await j.run(["up", "fw-a", "--no-connect", "--json"], 300_000);
        expect(up.code, up.stderr).toBe(0);
        expect(up.stderr).not.toMatch(/was edited/);
        expect(await probeUntil(bareIp, 8000, MARKER)).toBe(MARKER);

        const ip = await ipOf(j, "fw-a");
        const serve = await j.run(["exec", "fw-a", "--", "sh", "-c", SERVE]);
        expect(serve.code, serve.stderr).toBe(0);
        // Listening on the VM (checked over SSH), yet refused from outside.
        const fetchInside = `import time, urllib.request as u
for _ in range(50):
    try:
        print(u.urlopen("http://127.0.0.1:8000/m.txt", timeout=2).read().decode()); break
    except OSError: time.sleep(0.2)`;
        const inside = await j.run(["exec", "fw-a", "--", "python3", "-c", fetchInside]);
        expect(inside.stdout, inside.stderr).toContain(MARKER);
        expect(await probe(ip, 8000)).toBe("ECONNREFUSED");
        for (const port of [80, 443, 3000, 5432, 8080]) expect(await probe(ip, port)).toBe("ECONNREFUSED");

        const tunnel = startSpuff(["tunnel", "fw-a", "-p", "0:8000", "--json"], {
          configDir: j.dir,
          env: j.env,
          timeoutMs: 120_000,
        });
        try {
          const mapping = JSON.parse(await tunnel.waitForLine((l) => l.startsWith("{"), 60_000));
          const local = mapping.forwards[0].local_port as number;
          const got = await probeUntil("127.0.0.1", local, MARKER, 30_000);
          // Seen once (DigitalOcean, a loaded CI host): empty replies for 30 s. Say what both ends saw.
          const why =
            got === MARKER
              ? ""
              : `tunnel stderr: ${tunnel.stderr()}\non the VM: ${(await j.run(["exec", "fw-a", "--", "sh", "-c", "cat /tmp/www.log; ss -ltnp"])).stdout}`;
          expect(got, why).toBe(MARKER);
        } finally {
          tunnel.child.kill("SIGINT");
          expect((await tunnel.done).code).toBe(0);
        }

        const st = JSON.parse((await j.run(["status", "fw-a", "--detailed", "--json"])).stdout);
        expect(st.provider.firewalls).toHaveLength(1);
        expect(st.provider.firewalls[0].name).toBe("spuff-ssh");
        expect(
          st.provider.firewalls[0].inbound
            .map((r: { protocol: string; ports: string }) => `${r.protocol} ${r.ports}`)
            .sort(),
        ).toEqual(["icmp all", "tcp 22"]);
        expect(await sim.describe()).toEqual(["22 from 0.0.0.0/0,::/0"]);

        // Edited by hand through the official client: 8000 opens, until the next `up`.
        await sim.widen();
        expect(await probeUntil(ip, 8000, MARKER, 30_000)).toBe(MARKER);
        const again = await j.run(["up", "fw-b", "--no-connect", "--json"], 300_000);
        expect(again.code, again.stderr).toBe(0);
        expect(again.stderr).toMatch(
          /firewall spuff-ssh \(.+\) was edited: inbound rules were .*tcp 8000 from 0\.0\.0\.0\/0.*restored/,
        );
        expect(await probe(ip, 8000)).toBe("ECONNREFUSED");
        expect(await sim.describe()).toEqual(["22 from 0.0.0.0/0,::/0"]);

        for (const name of ["fw-a", "fw-b"])
          expect((await j.run(["down", name, "--yes"], 180_000)).code).toBe(0);
        expect(sim.violations()).toEqual([]);
      } finally {
        await sim.close();
      }
      expect(leftovers(machineLayout(j.dir))).toEqual(NOTHING_LEFT);
    }, 600_000);
  }
});
