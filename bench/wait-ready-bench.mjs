// Detection latency of DigitalOcean waitReady: how long after the droplet becomes active (in the
// simulator's timeline) spuff notices, vs the seed design's fixed 5 s poll.
// Part 1 is measured against the real simulator over loopback (real time, 20 runs).
// Part 2 replays both polling schedules on the same timeline for realistic boot times (pure math).
import { tsImport } from "tsx/esm/api";
import { median } from "./lib/stats.mjs";

const RUNS = 20;
const { startDigitalOceanSim } = await tsImport("../src/sim/digitalocean/index.ts", import.meta.url);
const { createProvider } = await tsImport("../src/providers/registry.ts", import.meta.url);
const { mulberry32 } = await tsImport("../src/sim/faults.ts", import.meta.url);
const { DEFAULT_BACKOFF } = await tsImport("../src/providers/wait.ts", import.meta.url);

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const rnd = mulberry32(2026);

// ---- Part 1: measured ----
const measured = [];
const modelled = [];
for (let i = 0; i < RUNS; i++) {
  const activeAfterMs = Math.round(500 + rnd() * 2500);
  const sim = await startDigitalOceanSim({ activeAfterMs, validate: false });
  try {
    const p = await createProvider("digitalocean", {
      token: sim.token,
      env: { DIGITALOCEAN_API_URL: sim.url },
    });
    const res = await fetch(`${sim.url}/v2/droplets`, {
      method: "POST",
      headers: { authorization: `Bearer ${sim.token}`, "content-type": "application/json" },
      body: JSON.stringify({
        name: `b${i}`,
        region: "fra1",
        size: "s-1vcpu-1gb",
        image: "ubuntu-24-04-x64",
        tags: ["spuff"],
      }),
    });
    const { droplet } = await res.json();
    // created_at has whole-second resolution: use the simulator's own millisecond record.
    const becameActive = sim.state.droplets.get(droplet.id).createdAt + activeAfterMs;
    modelled.push(detectBackoff(activeAfterMs));
    await p.waitReady(String(droplet.id), { timeoutMs: 30_000 });
    measured.push(Date.now() - becameActive);
  } finally {
    await sim.close();
  }
}

// ---- Part 2: both schedules on the same timeline, boot times 20–90 s ----
function detectBackoff(bootMs) {
  let t = 0;
  let interval = DEFAULT_BACKOFF.initialMs;
  while (t < bootMs) {
    t += interval;
    interval = Math.min(DEFAULT_BACKOFF.maxMs, interval * DEFAULT_BACKOFF.factor);
  }
  return t - bootMs;
}
const detectFixed = (bootMs, everyMs = 5000) => Math.ceil(bootMs / everyMs) * everyMs - bootMs;
const boots = Array.from({ length: 10_000 }, () => 20_000 + rnd() * 70_000);
const oursSim = boots.map(detectBackoff);
const seedSim = boots.map((b) => detectFixed(b));

const f = (ms) => `${(ms / 1000).toFixed(2)} s`;
console.log("| schedule | boot times | runs | median waste | mean waste | polls per boot (mean) |");
console.log("| --- | --- | --- | --- | --- | --- |");
console.log(
  `| spuff waitReady, measured on the simulator (loopback) | 0.5–3 s | ${RUNS} | ${f(median(measured))} | ${f(mean(measured))} | – |`,
);
const polls = (bootMs) => {
  let t = 0;
  let n = 1;
  let interval = DEFAULT_BACKOFF.initialMs;
  while (t < bootMs) {
    t += interval;
    n++;
    interval = Math.min(DEFAULT_BACKOFF.maxMs, interval * DEFAULT_BACKOFF.factor);
  }
  return n;
};
console.log(
  `| same boot times, model only (checks the model below) | 0.5–3 s | ${RUNS} | ${f(median(modelled))} | ${f(mean(modelled))} | – |`,
);
console.log(
  `| spuff waitReady (${DEFAULT_BACKOFF.initialMs} ms ×${DEFAULT_BACKOFF.factor} ≤ ${DEFAULT_BACKOFF.maxMs / 1000} s), same timeline | 20–90 s | ${boots.length} | ${f(median(oursSim))} | ${f(mean(oursSim))} | ${mean(boots.map(polls)).toFixed(1)} |`,
);
console.log(
  `| seed: fixed 5 s poll, same timeline | 20–90 s | ${boots.length} | ${f(median(seedSim))} | ${f(mean(seedSim))} | ${mean(boots.map((b) => Math.ceil(b / 5000) + 1)).toFixed(1)} |`,
);
