// Does the AWS SDK cost commands that don't talk to AWS anything? Two measurements on the built
// dist/ (run `npm run build` first):
//  1. Which @aws-sdk/* modules each command loads, counted by a --require hook on Module._load,
//     with positive controls that do load it (so a count of 0 means "not loaded", not "not seen").
//  2. Cold start as a ratio to `node -e 0`, median of N interleaved runs (default 21), without
//     the hook. AWS is configured (AWS_ACCESS_KEY_ID, so it is the default provider) in every case
//     but one `spuff list` run without it, for an A/B of the same command.
// Usage: node bench/aws-cold-start.mjs [--runs N] [--out FILE]
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startSim } from "./lib/sim.mjs";
import { median } from "./lib/stats.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const runs = Math.max(21, Number(arg("--runs", 21)) || 21);
const out = arg("--out", undefined);
const repo = path.resolve(import.meta.dirname, "..");
for (const f of ["dist/cli/main.cjs", "dist/cli/providers/aws/index.cjs", "dist/sim/main.cjs"]) {
  if (!fs.existsSync(path.join(repo, f))) throw new Error(`${f} missing: run \`npm run build\` first`);
}
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-bench-aws-"));
const hook = path.join(dir, "count-aws-sdk.cjs");
// Counts distinct @aws-sdk/* (and @smithy/*) packages required, reported on stderr at exit.
fs.writeFileSync(
  hook,
  `const Module = require("node:module");
const seen = new Set();
const load = Module._load;
Module._load = function (request, ...rest) {
  const m = /^(@aws-sdk|@smithy)\\/[^/]+/.exec(request);
  if (m) seen.add(m[0]);
  return load.call(this, request, ...rest);
};
process.on("exit", () => process.stderr.write("\\nAWS_SDK_PACKAGES=" + seen.size + "\\n"));
`,
);

// The EC2 simulator, for the positive control that really calls AWS.
const { sim, url: simUrl } = await startSim(["aws", "--port", "0"]);

const env = {
  PATH: process.env.PATH,
  HOME: dir,
  SPUFF_CONFIG_DIR: dir,
  AWS_ACCESS_KEY_ID: "AKIASPUFFSIMULATOR01",
  AWS_SECRET_ACCESS_KEY: "spuff/simulator/secret/access/key/0000000",
  AWS_REGION: "us-east-1",
  AWS_ENDPOINT_URL_EC2: simUrl,
  AWS_EC2_METADATA_DISABLED: "true",
};
const spuff = path.join(repo, "bin/spuff.cjs");
const cases = [
  { name: "node -e 0 (baseline)", args: ["-e", "0"] },
  { name: "spuff --version", args: [spuff, "--version"] },
  { name: "spuff list --json (AWS configured, no instances)", args: [spuff, "list", "--json"] },
  // The same command with no AWS in the environment at all: any SDK cost would show as a gap.
  {
    name: "spuff list --json (no AWS configured)",
    args: [spuff, "list", "--json"],
    env: { AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "", AWS_REGION: "", AWS_ENDPOINT_URL_EC2: "" },
  },
  {
    name: "spuff snapshot list --provider aws --json (calls EC2: control)",
    args: [spuff, "snapshot", "list", "--provider", "aws", "--json"],
    control: true,
  },
];

function once(c, extra = []) {
  const args = c.args;
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [...extra, ...args], {
    env: { ...env, ...c.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return { ms, stderr: String(r.stderr) };
}

const loaded = (c) => Number(/AWS_SDK_PACKAGES=(\d+)/.exec(once(c, ["--require", hook]).stderr)?.[1] ?? NaN);

try {
  // The detector itself must see the SDK when it is there.
  const direct = loaded({
    args: ["-e", 'require(require.resolve("@aws-sdk/client-ec2", { paths: [process.argv[1]] }))', repo],
  });
  if (!(direct > 0))
    throw new Error("the --require hook did not see a direct require of @aws-sdk/client-ec2");
  const counts = cases.map((c) => loaded(c));
  const control = cases.findIndex((c) => c.control);
  if (!(counts[control] > 0))
    throw new Error("control: `snapshot list --provider aws` should have loaded the SDK");

  for (const c of cases) for (let i = 0; i < 3; i++) once(c); // warm-up: page cache, state.db
  const times = cases.map(() => []);
  for (let i = 0; i < runs; i++) {
    for (const [k, c] of cases.entries()) times[k].push(once(c).ms);
  }

  const base = median(times[0]);
  const lines = [
    `Cold start with AWS configured, median of ${runs} interleaved runs (node ${process.version}, ${os.cpus().length} cores, ${os.platform()} ${os.release()})`,
    "",
    "| command | median ms | ratio to node -e 0 | @aws-sdk/@smithy packages loaded |",
    "|---|---|---|---|",
    ...cases.map((c, k) => {
      const m = median(times[k]);
      return `| ${c.name} | ${m.toFixed(1)} | ${(m / base).toFixed(2)}× | ${counts[k]} |`;
    }),
    "",
    `Detector check: a direct \`require("@aws-sdk/client-ec2")\` loads ${direct} packages.`,
    `\`spuff list\` with AWS configured vs not: ${(median(times[2]) - median(times[3])).toFixed(1)} ms apart (medians).`,
    `SDK cost when a command does use AWS: ${(median(times[control]) - median(times[2])).toFixed(1)} ms over \`spuff list\` (includes one DescribeImages call to the local simulator).`,
  ];
  const text = `${lines.join("\n")}\n`;
  process.stdout.write(text);
  if (out) fs.writeFileSync(out, text);
} finally {
  sim.kill("SIGTERM");
  fs.rmSync(dir, { recursive: true, force: true });
}
