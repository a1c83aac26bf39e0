/**
 * `spuff up` on the DigitalOcean simulator backed by real nspawn machines (real cloud-init, real
 * sshd, the real bundled CLI as a subprocess, `--json --no-connect`).
 *
 *   overhead:   time spuff reports ready (its NDJSON `ready` line reaching this process) − the
 *               time the machine itself says it was SSH-ready and cloud-init done, read from the
 *               machine afterwards: sshd's first "Server listening" journal entry of the boot and cloud-init's
 *               modules-final `finished` in /run/cloud-init/status.json (nspawn shares the host's
 *               clock, so the timestamps compare directly). Median of --runs (default 10).
 *   concurrent: wall time of --n (default 10) `up`s started together ÷ one `up` alone, measured
 *               in the same run (--rounds rounds, default 2, alternating); also the overhead of each
 *               concurrent instance, to tell spuff's own serialisation from machine boot contention.
 *
 *   node --import tsx bench/up-bench.ts overhead [--runs 10] [--compare OTHER/bin/spuff.cjs]
 *   node --import tsx bench/up-bench.ts concurrent [--n 10] [--rounds 2]
 * Needs root and the built image (spuff image build) in SPUFF_DATA_DIR or .cache/spuff-data;
 * run `npm run build` first (it times bin/spuff.cjs).
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { MachineEngine } from "../src/machines/engine.ts";
import { machineLayout } from "../src/machines/layout.ts";
import { startDigitalOceanSim } from "../src/sim/digitalocean/index.ts";
import { realMachineBackend } from "../src/sim/machine-backend.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: "string", default: "10" },
    n: { type: "string", default: "10" },
    rounds: { type: "string", default: "2" },
    // overhead: also run another build's bin/spuff.cjs (e.g. an older commit), interleaved.
    compare: { type: "string" },
  },
});
const mode = positionals[0] ?? "overhead";
const repo = path.resolve(import.meta.dirname, "..");
const bin = path.join(repo, "bin/spuff.cjs");
const shared = process.env.SPUFF_DATA_DIR || path.join(repo, ".cache/spuff-data");
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-bench-up-"));
fs.symlinkSync(path.join(shared, "images"), path.join(dataDir, "images"));

const sim = await startDigitalOceanSim({
  activeAfterMs: 0,
  backend: realMachineBackend({ driver: "nspawn", dataDir, bootTimeoutMs: 300_000 }),
});
const env = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: dataDir,
  SPUFF_CONFIG_DIR: path.join(dataDir, "cfg"),
  SPUFF_DATA_DIR: dataDir,
  DIGITALOCEAN_TOKEN: sim.token,
  DIGITALOCEAN_API_URL: sim.url,
};

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  /** performance.now() when the `ready` NDJSON line arrived, and Date.now() at that moment. */
  readyAt?: number;
  readyWall?: number;
  /** Date.now() when the wait_cloud_init `done` event arrived (spuff saw cloud-init finish). */
  cloudInitSeenWall?: number;
  /** start_agent's own duration, from its `done` event. */
  startAgentMs?: number;
}

function spuff(args: string[], timeoutMs = 600_000, binPath = bin): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binPath, ...args], { env, stdio: ["pipe", "pipe", "pipe"] });
    child.stdin.end();
    const r: Ran = { code: null, stdout: "", stderr: "" };
    child.stdout.on("data", (d: Buffer) => {
      r.stdout += d;
      if (r.readyAt === undefined && r.stdout.includes('"event":"ready"')) {
        r.readyAt = performance.now();
        r.readyWall = Date.now();
      }
      if (
        r.cloudInitSeenWall === undefined &&
        r.stdout.includes('"phase":"wait_cloud_init","status":"done"')
      ) {
        r.cloudInitSeenWall = Date.now();
      }
    });
    child.stderr.on("data", (d: Buffer) => (r.stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      r.code = code;
      resolve(r);
    });
  });
}

async function must(args: string[]): Promise<Ran> {
  const r = await spuff(args);
  if (r.code !== 0) throw new Error(`spuff ${args.join(" ")} exited ${r.code}:\n${r.stderr}${r.stdout}`);
  return r;
}

// The machine's own account of when it was ready (epoch ms): sshd listening, cloud-init done.
const READ_TIMES = [
  "journalctl -b -u ssh.service -o json --no-pager | grep 'Server listening' | head -n 1",
  "echo ---",
  "cat /run/cloud-init/status.json",
].join("; ");

async function machineReadyAt(name: string): Promise<{ sshMs: number; cloudInitMs: number }> {
  const r = await must(["exec", name, "--", "sudo", "-n", "sh", "-c", READ_TIMES]);
  const [journal, status] = r.stdout.split("---\n");
  const sshUs = Number(JSON.parse((journal as string).trim()).__REALTIME_TIMESTAMP);
  const finished = JSON.parse(status as string).v1["modules-final"].finished as number;
  if (!Number.isFinite(sshUs) || !Number.isFinite(finished)) throw new Error(`unreadable: ${r.stdout}`);
  return { sshMs: sshUs / 1000, cloudInitMs: finished * 1000 };
}

/** `up`s that failed (and were retried under a new name): counted and printed, never hidden. */
const failures: string[] = [];

/** One `up` (up to 3 attempts); returns spuff's ready time (wall ms) and its own phase figures. */
async function upOnce(name: string, attempt = 1, binPath = bin): Promise<UpRun> {
  const t0 = performance.now();
  const r = await spuff(["up", name, "--no-connect", "--json"], 600_000, binPath);
  if (r.code !== 0) {
    const why = r.stdout.trim().split("\n").at(-1) ?? "";
    failures.push(`${name}: ${why}`);
    process.stderr.write(`up ${name} failed (attempt ${attempt}): ${why}\n`);
    await spuff(["down", name, "--force", "--json"]);
    if (attempt >= 3) throw new Error(`up failed 3 times:\n${r.stderr}`);
    return upOnce(`${name}-r${attempt}`, attempt + 1, binPath);
  }
  if (r.readyWall === undefined || r.readyAt === undefined || r.cloudInitSeenWall === undefined) {
    throw new Error(`no ready event:\n${r.stdout}`);
  }
  const startAgent = r.stdout
    .split("\n")
    .filter((l) => l.includes('"phase":"start_agent","status":"done"'))
    .map((l) => JSON.parse(l).ms as number)[0];
  return {
    name,
    wallMs: r.readyAt - t0,
    readyAt: r.readyAt,
    readyWall: r.readyWall,
    cloudInitSeenWall: r.cloudInitSeenWall,
    startAgentMs: startAgent ?? Number.NaN,
  };
}

interface UpRun {
  name: string;
  wallMs: number;
  readyAt: number;
  readyWall: number;
  cloudInitSeenWall: number;
  startAgentMs: number;
}

async function overheadOf(u: { name: string; readyWall: number; cloudInitSeenWall: number }) {
  const m = await machineReadyAt(u.name);
  const machineReady = Math.max(m.sshMs, m.cloudInitMs);
  return {
    machineReadyWall: machineReady,
    overheadMs: u.readyWall - machineReady,
    /** cloud-init finished on the machine → spuff's wait_cloud_init done. */
    noticeMs: u.cloudInitSeenWall - machineReady,
    sshBeforeCloudInit: m.sshMs <= m.cloudInitMs,
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? (s[(s.length - 1) / 2] as number)
    : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
let seq = 0;
const nextName = () => `bench-${process.pid}-${seq++}`;
const down = (name: string) => must(["down", name, "--force", "--json"]);

try {
  const key = path.join(dataDir, "id_ed25519");
  await new Promise<void>((res, rej) =>
    spawn("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key], { stdio: "ignore" }).on("close", (c) =>
      c === 0 ? res() : rej(new Error("ssh-keygen failed")),
    ),
  );
  await must(["init", "--defaults", "--provider", "digitalocean", "--ssh-key", key]);

  if (mode === "overhead") {
    const runs = Number(values.runs);
    const builds = [{ label: "this build", bin }];
    if (values.compare) builds.unshift({ label: values.compare, bin: path.resolve(values.compare) });
    const figures = builds.map(() => ({
      over: [] as number[],
      notice: [] as number[],
      agent: [] as number[],
      totals: [] as number[],
    }));
    for (let i = 0; i < runs; i++) {
      // Alternate which build goes first, so drift in the host's load hits both alike.
      const order = i % 2 === 0 ? builds.map((_, k) => k) : builds.map((_, k) => k).reverse();
      for (const k of order) {
        const b = builds[k] as (typeof builds)[number];
        const f = figures[k] as (typeof figures)[number];
        const u = await upOnce(nextName(), 1, b.bin);
        const o = await overheadOf(u);
        f.over.push(o.overheadMs);
        f.notice.push(o.noticeMs);
        f.agent.push(u.startAgentMs);
        f.totals.push(u.wallMs);
        process.stderr.write(
          `run ${i + 1}/${runs} ${b.label}: up ${sec(u.wallMs)}, overhead ${o.overheadMs.toFixed(0)} ms` +
            `${o.sshBeforeCloudInit ? "" : " (sshd listened after cloud-init finished)"}\n`,
        );
        await down(u.name);
      }
    }
    console.log(
      `\`up\` orchestration overhead on nspawn behind the DO simulator, ${runs} runs${builds.length > 1 ? " per build, interleaved" : ""} (node ${process.version}, ${os.cpus().length} cores)\n`,
    );
    console.log("| build | measure | median | min | max | target |");
    console.log("|---|---|---|---|---|---|");
    builds.forEach((b, k) => {
      const f = figures[k] as (typeof figures)[number];
      const row = (label: string, xs: number[], target: string) =>
        console.log(
          `| ${b.label} | ${label} | ${sec(median(xs))} | ${sec(Math.min(...xs))} | ${sec(Math.max(...xs))} | ${target} |`,
        );
      row("**spuff ready − machine ready** (SSH listening and cloud-init done)", f.over, "≤ 0.3 s");
      row("… cloud-init done on the machine → spuff's wait_cloud_init done", f.notice, "–");
      row("… start_agent phase", f.agent, "–");
      row("whole `up` (spawn → ready line), for scale", f.totals, "–");
    });
    if (builds.length > 1) {
      const [a, b] = figures as [(typeof figures)[number], (typeof figures)[number]];
      console.log(
        `\nOverhead, this build ÷ ${builds[0]?.label}: ${(median(b.over) / median(a.over)).toFixed(2)}×`,
      );
    }
  } else if (mode === "concurrent") {
    const n = Number(values.n);
    const rounds = Number(values.rounds);
    const single: number[] = [];
    const many: number[] = [];
    const manyOverhead: number[] = [];
    // The machines' own readiness (from their timestamps) on the same runs: the floor any
    // orchestrator meets on this host, so the ratio can be split into host contention and spuff.
    const singleMachine: number[] = [];
    const manyMachine: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const w1 = Date.now();
      const one = await upOnce(nextName());
      single.push(one.wallMs);
      singleMachine.push((await overheadOf(one)).machineReadyWall - w1);
      await down(one.name);
      const t0 = performance.now();
      const w0 = Date.now();
      const ups = await Promise.all(Array.from({ length: n }, () => nextName()).map((nm) => upOnce(nm)));
      const wall = Math.max(...ups.map((u) => u.readyAt)) - t0;
      many.push(wall);
      const overheads = [];
      for (const u of ups) overheads.push(await overheadOf(u));
      manyOverhead.push(...overheads.map((o) => o.overheadMs));
      manyMachine.push(Math.max(...overheads.map((o) => o.machineReadyWall)) - w0);
      process.stderr.write(
        `round ${round + 1}/${rounds}: one up ${sec(one.wallMs)}, ${n} concurrent ${sec(wall)} ` +
          `(${(wall / one.wallMs).toFixed(2)}×)\n`,
      );
      await Promise.all(ups.map((u) => down(u.name)));
    }
    console.log(
      `${n} concurrent \`up\` ÷ one \`up\`, nspawn behind the DO simulator, ${rounds} rounds (node ${process.version}, ${os.cpus().length} cores)\n`,
    );
    console.log("| measure | value | target |");
    console.log("|---|---|---|");
    console.log(`| one \`up\` alone (median) | ${sec(median(single))} | – |`);
    console.log(`| ${n} concurrent, until the last is ready (median) | ${sec(median(many))} | – |`);
    console.log(`| ratio | **${(median(many) / median(single)).toFixed(2)}×** | ≤ 1.3× |`);
    console.log(
      `| machines alone: last machine ready, ${n} concurrent ÷ one (same runs) | ${sec(median(manyMachine))} ÷ ${sec(median(singleMachine))} = ${(median(manyMachine) / median(singleMachine)).toFixed(2)}× | – |`,
    );
    console.log(
      `| overhead per concurrent instance (spuff ready − machine ready), median / max | ${sec(median(manyOverhead))} / ${sec(Math.max(...manyOverhead))} | – |`,
    );
  } else {
    throw new Error(`unknown mode ${mode} (overhead | concurrent)`);
  }
  console.log(`\nFailed \`up\`s (retried under a new name, not in the figures): ${failures.length}`);
  for (const f of failures) console.log(`- ${f.slice(0, 200)}`);
} finally {
  await sim.close();
  const engine = new MachineEngine({ layout: machineLayout(dataDir) });
  for (const m of engine.list()) await engine.destroy(m.id);
  fs.rmSync(dataDir, { recursive: true, force: true });
}
