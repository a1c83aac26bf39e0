// Benchmark of the bundled agent (run after `node scripts/build.mjs`):
//   idle RSS vs a bare node:http hello server, /metrics latency at a fixed 200 req/s for 10 s over
//   loopback (open loop: requests are sent on schedule whether or not earlier ones finished), and
//   the agent's CPU use while idle.   Usage: node bench/agent-bench.mjs [--idle-seconds 60]
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";

const repo = path.resolve(import.meta.dirname, "..");
const bundle = path.join(repo, "dist/agent/spuff-agent.cjs");
const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const idleSeconds = arg("--idle-seconds", 60);
const RATE = 200;
const LOAD_SECONDS = 10;
if (!existsSync(bundle)) {
  console.error("dist/agent/spuff-agent.cjs missing: run `node scripts/build.mjs` first");
  process.exit(1);
}

const dir = mkdtempSync(path.join(os.tmpdir(), "spuff-agent-bench-"));
const token = "bench-token-0123456789abcdef";
writeFileSync(path.join(dir, "agent.env"), `SPUFF_AGENT_TOKEN=${token}\n`);
const BARE = `require("http").createServer((q,s)=>{s.setHeader("content-type","application/json");s.end('{"status":"ok"}')}).listen(0,"127.0.0.1",function(){process.stderr.write("listening on 127.0.0.1:"+this.address().port+"\\n")})`;

function start(args, env) {
  const proc = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let err = "";
    const t = setTimeout(() => reject(new Error(`no start: ${err}`)), 10_000);
    proc.stderr.on("data", (c) => {
      err += c;
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(err);
      if (m) {
        clearTimeout(t);
        resolve({ proc, port: Number(m[1]) });
      }
    });
  });
}
const rssKiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]);
const cpuTicks = (pid) => {
  const s = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
  return Number(f[11]) + Number(f[12]);
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const agent = await start([bundle], {
  SPUFF_AGENT_PORT: "0",
  SPUFF_AGENT_ENV_FILE: path.join(dir, "agent.env"),
  SPUFF_AGENT_SETTINGS_FILE: path.join(dir, "agent.json"),
  SPUFF_AGENT_TEARDOWN_STATE: path.join(dir, "teardown.json"),
});
const bare = await start(["-e", BARE], {});
try {
  await sleep(1000);
  const rssAgent = rssKiB(agent.proc.pid);
  const rssBare = rssKiB(bare.proc.pid);

  // Same open-loop load (fixed 200 req/s, keep-alive) against the bare server first: its latency is
  // the floor this machine and client give, so the agent's figures can be read against it.
  const load = async (port, reqPath, headers) => {
    const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 64 });
    const latencies = [];
    let errors = 0;
    const one = () =>
      new Promise((resolve) => {
        const t0 = performance.now();
        const req = http.get({ host: "127.0.0.1", port, path: reqPath, headers, agent: keepAlive }, (res) => {
          res.resume();
          res.on("end", () => {
            if (res.statusCode === 200) latencies.push(performance.now() - t0);
            else errors++;
            resolve();
          });
        });
        req.on("error", () => {
          errors++;
          resolve();
        });
      });
    const pending = [];
    const began = performance.now();
    for (let i = 0; i < RATE * LOAD_SECONDS; i++) {
      const due = began + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      pending.push(one());
    }
    await Promise.all(pending);
    keepAlive.destroy();
    latencies.sort((a, b) => a - b);
    const pct = (p) =>
      latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
    return { ok: latencies.length, errors, p50: pct(50), p99: pct(99), max: latencies.at(-1) ?? NaN };
  };
  const baseLoad = await load(bare.port, "/", {});
  const agentLoad = await load(agent.port, "/metrics", { "x-spuff-token": token });
  const rssAfterLoad = rssKiB(agent.proc.pid);

  await sleep(2000); // let the load settle before measuring idle
  const hz = 100; // USER_HZ
  const c0 = cpuTicks(agent.proc.pid);
  const t0 = performance.now();
  await sleep(idleSeconds * 1000);
  const cpuIdle = ((cpuTicks(agent.proc.pid) - c0) / hz / ((performance.now() - t0) / 1000)) * 100;

  const mib = (k) => (k / 1024).toFixed(1);
  console.log(`| measure | value |\n|---|---|`);
  console.log(
    `| idle RSS agent / bare node:http | ${mib(rssAgent)} MiB / ${mib(rssBare)} MiB = **${(rssAgent / rssBare).toFixed(2)}×** |`,
  );
  console.log(`| RSS agent after load | ${mib(rssAfterLoad)} MiB |`);
  const lat = (r) => `${r.p50.toFixed(2)} / ${r.p99.toFixed(2)} / ${r.max.toFixed(2)} ms`;
  console.log(
    `| /metrics at ${RATE} req/s for ${LOAD_SECONDS} s | ${agentLoad.ok} ok, ${agentLoad.errors} errors |`,
  );
  console.log(`| agent /metrics latency p50 / p99 / max | ${lat(agentLoad)} |`);
  console.log(`| bare hello server, same load: p50 / p99 / max | ${lat(baseLoad)} |`);
  console.log(`| agent CPU while idle (${idleSeconds} s window) | ${cpuIdle.toFixed(3)} % of one core |`);
  console.log(`| node | ${process.version} on ${os.cpus().length} CPUs |`);
} finally {
  agent.proc.kill("SIGTERM");
  bare.proc.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
}
