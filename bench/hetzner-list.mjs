// `spuff list --json` vs the official `hcloud server list -o json`, against one Hetzner simulator
// holding 100 servers that spuff's own Hetzner provider created. Interleaved runs, median of N
// (default 15, at least 11), printed as a markdown table with ratios to hcloud (target ≤ 2×).
// `spuff list` reads spuff's local state and does not call the provider, so the local state gets
// the same 100 instances. `spuff list --live` reads that state and asks the simulator (the row the
// ≤ 2× target is about); then spuff's Hetzner client alone listing them from the API in a fresh
// node process (`node -e`, which exits by itself: no spuff exit path), and a plain node:http script
// fetching the same two pages (no spuff code: what any Node client of this API starts from), and
// that script sending both pages first and reading spuff's state.db while they are answered: the
// least any Node `list --live` does, so the floor of that row.
// `node -e 0` is timed too: Node's own start-up bounds what any Node CLI can reach against a Go
// binary. The output checks and 3 warm-up runs fill spuff's V8 code cache (~/.cache/spuff/v8 under
// the temporary HOME), so the timed runs are warm, as every run after a user's first one is.
// Usage: npm run build && node bench/hetzner-list.mjs [--runs N] [--also OTHER_CHECKOUT]
import { spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { startSim } from "./lib/sim.mjs";
import { median } from "./lib/stats.mjs";

const runs = Math.max(11, Number(process.argv[process.argv.indexOf("--runs") + 1]) || 15);
// --also DIR: one more row, `list --live` of another built checkout (e.g. main), for an A/B.
const also = process.argv.includes("--also")
  ? path.resolve(process.argv[process.argv.indexOf("--also") + 1])
  : undefined;
const repo = path.resolve(import.meta.dirname, "..");
const require = createRequire(import.meta.url);
const HCLOUD = "/usr/bin/hcloud";
const SERVERS = 100;
const TOKEN = "benchtoken".padEnd(64, "0"); // hcloud refuses tokens that are not 64 characters
/** The no-spuff-code scripts' one GET of a page of servers: plain node:http, keep-alive. */
const PAGE_GET = `const http = require("node:http");
const agent = new http.Agent({ keepAlive: true });
const page = (n) => new Promise((ok, no) => {
  const url = process.env.HCLOUD_ENDPOINT + "/servers?label_selector=spuff%3Dtrue&per_page=50&page=" + n;
  const req = http.request(url, { agent, headers: { authorization: "Bearer " + process.env.HCLOUD_TOKEN } }, (res) => {
    const chunks = [];
    res.on("data", (c) => chunks.push(c));
    res.on("end", () => ok(JSON.parse(Buffer.concat(chunks).toString())));
  });
  req.on("error", no);
  req.end();
});
`;

for (const f of ["dist/sim/main.cjs", "dist/cli/main.cjs", "dist/cli/providers/hetzner/index.cjs"]) {
  if (!fs.existsSync(path.join(repo, f))) throw new Error(`${f} missing: run \`npm run build\` first`);
}
if (!fs.existsSync(HCLOUD)) throw new Error(`${HCLOUD} missing: apt-get install hcloud-cli`);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-bench-hz-"));
const { sim, url: endpoint } = await startSim([
  "hetzner",
  "--port",
  "0",
  "--token",
  TOKEN,
  "--active-after-ms",
  "0",
]);
try {
  await seed(endpoint);
  const spuffEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    SPUFF_CONFIG_DIR: path.join(dir, "spuff"),
    SPUFF_DATA_DIR: path.join(dir, "data"),
    HCLOUD_TOKEN: TOKEN,
    HCLOUD_ENDPOINT: endpoint,
  };
  const hcloudEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    HCLOUD_CONFIG: path.join(dir, "cli.toml"),
    HCLOUD_TOKEN: TOKEN,
    HCLOUD_ENDPOINT: endpoint,
  };
  const providerList = [
    "-e",
    `require(${JSON.stringify(path.join(repo, "dist/cli/providers/hetzner/index.cjs"))})` +
      ".createHetznerProvider({ token: process.env.HCLOUD_TOKEN, env: process.env }).listInstances()" +
      ".then((l) => process.stdout.write(JSON.stringify(l)))",
  ];
  const cases = [
    {
      name: "hcloud server list -o json (baseline)",
      cmd: HCLOUD,
      args: ["server", "list", "-o", "json"],
      env: hcloudEnv,
    },
    {
      // The floor for any Node CLI on this machine: start-up alone, no code, no output.
      name: "node -e 0 (Node start-up alone, the floor)",
      cmd: process.execPath,
      args: ["-e", "0"],
      env: spuffEnv,
      lists: false,
    },
    {
      name: "spuff list --json (local state, 100 instances)",
      cmd: process.execPath,
      args: [path.join(repo, "bin/spuff.cjs"), "list", "--json"],
      env: spuffEnv,
    },
    {
      name: "spuff list --live --json (state + Hetzner API)",
      cmd: process.execPath,
      args: [path.join(repo, "bin/spuff.cjs"), "list", "--live", "--json"],
      env: spuffEnv,
      // Each instance must have been found at the provider, or the API was not really asked.
      check: (list) => list.every((i) => i.provider_status === "active"),
    },
    ...(also
      ? [
          {
            name: `spuff list --live --json, the build in ${also}`,
            cmd: process.execPath,
            args: [path.join(also, "bin/spuff.cjs"), "list", "--live", "--json"],
            // Its own copy of the config dir: each build keeps its own validated copy of config.yaml
            // there (config/validated-cache.ts), and a shared one would be rewritten on every run.
            env: { ...spuffEnv, SPUFF_CONFIG_DIR: alsoConfigDir() },
            check: (list) => list.every((i) => i.provider_status === "active"),
          },
        ]
      : []),
    {
      name: "spuff Hetzner client listInstances() (API, fresh node)",
      cmd: process.execPath,
      args: providerList,
      env: spuffEnv,
    },
    {
      // The floor for any Node client of this API: the same two pages, no spuff code at all.
      name: "node:http alone: the same 2 GETs + JSON.parse (no spuff code)",
      cmd: process.execPath,
      args: [bareHttpScript()],
      env: spuffEnv,
    },
    {
      // The floor for a Node `list --live`: the same two GETs sent before anything else, spuff's
      // state.db read with better-sqlite3 while they are answered, matched by id, JSON out.
      name: "node:http + state.db read, overlapped (no spuff code)",
      cmd: process.execPath,
      args: [liveFloorScript()],
      env: spuffEnv,
      check: (list) => list.every((i) => i.provider_status === "running"),
    },
  ];
  // Each command must really list the 100 servers, or the comparison means nothing.
  for (const c of cases.filter((c) => c.lists !== false)) {
    const list = JSON.parse(run(c).stdout);
    if (list.length !== SERVERS)
      throw new Error(`${c.name} listed ${list.length} servers, expected ${SERVERS}`);
    if (c.check && !c.check(list))
      throw new Error(`${c.name}: not every server was found at the provider: ${JSON.stringify(list[0])}`);
  }
  for (const c of cases) for (let i = 0; i < 3; i++) run(c);
  const times = cases.map(() => []);
  const cpu = cases.map(() => 0);
  for (let i = 0; i < runs; i++) {
    for (const [k, c] of cases.entries()) {
      const r = run(c);
      times[k].push(r.ms);
      cpu[k] += r.cpuMs;
    }
  }

  const base = median(times[0]);
  console.log(
    `Hetzner list, ${SERVERS} servers in the simulator (spec-validated), median of ${runs} interleaved runs ` +
      `(node ${process.version}, ${os.cpus().length} cores)\n`,
  );
  // CPU time (user + system) is what other processes on a shared host do not inflate as much.
  const baseCpu = cpu[0] / runs;
  console.log("| command | median ms | ratio to hcloud | target | mean CPU ms | CPU ratio |");
  console.log("|---|---|---|---|---|---|");
  cases.forEach((c, k) => {
    const m = median(times[k]);
    const target = k === 0 || c.lists === false ? "-" : "≤ 2×";
    const ms = cpu[k] / runs;
    const cpuCols = Number.isNaN(ms) ? "- | -" : `${ms.toFixed(1)} | ${(ms / baseCpu).toFixed(2)}×`;
    console.log(`| ${c.name} | ${m.toFixed(1)} | ${(m / base).toFixed(2)}× | ${target} | ${cpuCols} |`);
  });
} finally {
  sim.kill("SIGTERM");
  fs.rmSync(dir, { recursive: true, force: true });
}

/** A file, not `node -e` (which starts with more of Node loaded): keep-alive, two pages, JSON out. */
function bareHttpScript() {
  const file = path.join(dir, "bare-http.cjs");
  fs.writeFileSync(
    file,
    `${PAGE_GET}(async () => {
  const all = [];
  for (let n = 1; n; ) {
    const body = await page(n);
    all.push(...body.servers);
    n = body.meta.pagination.next_page;
  }
  process.stdout.write(JSON.stringify(all));
})();
`,
  );
  return file;
}

/** bareHttpScript's two GETs, both sent first; state.db is read while the simulator answers them. */
function liveFloorScript() {
  const file = path.join(dir, "live-floor.cjs");
  const sqlite = require.resolve("better-sqlite3");
  fs.writeFileSync(
    file,
    `${PAGE_GET}(async () => {
  const pages = [page(1), page(2)];
  // Let the requests reach the socket before the synchronous read below holds the thread.
  for (let i = 0; i < 2; i++) await new Promise((r) => setImmediate(r));
  const Database = require(${JSON.stringify(sqlite)});
  const db = new Database(process.env.SPUFF_CONFIG_DIR + "/state.db", { readonly: true });
  const rows = db.prepare("SELECT * FROM instances").all();
  db.close();
  const byId = new Map((await Promise.all(pages)).flatMap((b) => b.servers).map((s) => [String(s.id), s]));
  const out = rows.map((r) => ({ ...r, provider_status: byId.get(String(r.provider_id))?.status ?? "gone" }));
  process.stdout.write(JSON.stringify(out, null, 2) + "\\n");
})();
`,
  );
  return file;
}

function alsoConfigDir() {
  const copy = path.join(dir, "spuff-also");
  if (!fs.existsSync(copy)) fs.cpSync(path.join(dir, "spuff"), copy, { recursive: true });
  return copy;
}

/**
 * CPU time of this process's waited-for children (Linux: /proc/self/stat cutime + cstime, in clock
 * ticks of 10 ms). One run's share is coarse; the sum over all runs of a case is not. NaN elsewhere.
 */
function childrenCpuMs() {
  try {
    const stat = fs.readFileSync("/proc/self/stat", "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(f[13]) + Number(f[14])) * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}

function run(c) {
  const t0 = process.hrtime.bigint();
  const cpu0 = childrenCpuMs();
  const r = spawnSync(c.cmd, c.args, { env: c.env, encoding: "utf8", timeout: 60_000 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpuMs = childrenCpuMs() - cpu0;
  if (r.status !== 0) throw new Error(`${c.name} exited ${r.status}: ${r.stderr}`);
  return { ms, cpuMs, stdout: r.stdout };
}

/** 100 servers created by spuff's Hetzner provider, and the same 100 in spuff's local state. */
async function seed(endpoint) {
  const { createHetznerProvider } = require(path.join(repo, "dist/cli/providers/hetzner/index.cjs"));
  const { openInstanceStore } = require(path.join(repo, "dist/cli/state/open.cjs"));
  const provider = createHetznerProvider({ token: TOKEN, env: { HCLOUD_ENDPOINT: endpoint } });
  const key = sshPublicKey();
  const created = [];
  for (let i = 0; i < SERVERS; i += 10) {
    const batch = Array.from({ length: Math.min(10, SERVERS - i) }, (_, j) =>
      provider.createInstance({
        name: `bench-${i + j}`,
        region: "fsn1",
        size: "cx22",
        image: { kind: "ubuntu", version: "24.04" },
        userData: "#cloud-config\n{}\n",
        labels: { owner: "bench" },
        sshPublicKey: key,
      }),
    );
    created.push(...(await Promise.all(batch)));
  }
  fs.mkdirSync(path.join(dir, "spuff"), { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(dir, "spuff", "config.yaml"), "provider: hetzner\n", { mode: 0o600 });
  const store = openInstanceStore(path.join(dir, "spuff", "state.db"), Date.now);
  for (const inst of created) {
    const r = store.save({
      name: inst.name,
      provider: "hetzner",
      providerId: inst.id,
      region: inst.region,
      size: inst.size,
      image: "ubuntu-24.04",
      ip: inst.ip,
      sshPort: 22,
      sshUser: "dev",
      status: "ready",
      phase: null,
      tags: inst.labels,
      hostKey: null,
      idleTimeoutMs: 7_200_000,
      createdAt: inst.createdAt,
      readyAt: inst.createdAt,
      deadlineAt: null,
      error: null,
    });
    if (!r.id) throw new Error("state write failed");
  }
  store.close();
}

function sshPublicKey() {
  const raw = Buffer.from(generateKeyPairSync("ed25519").publicKey.export({ format: "jwk" }).x, "base64url");
  const str = (b) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  return `ssh-ed25519 ${Buffer.concat([str(Buffer.from("ssh-ed25519")), str(raw)]).toString("base64")} bench`;
}
