/**
 * spuff installs like a CLI: the tarball `npm pack` makes (dist/ built by test/global-setup.ts)
 * goes into a temporary global prefix with `npm install -g`, and the linked commands work from there.
 *
 * Dependencies come from npm's cache (`--offline`); a cache without the registry's package
 * documents (a fresh CI machine after `npm ci`) falls back to `--prefer-offline`, the one request
 * this suite makes beyond loopback. Install scripts are skipped: compiling better-sqlite3 takes
 * ~4 minutes on this 2-core machine, so its addon is copied from this checkout (same pinned
 * version, same Node), which is what the skipped compile would have produced.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultSpecsDir } from "../../src/sim/spec-validator.ts";

const repo = path.resolve(import.meta.dirname, "../..");
const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "spuff-install-")));
const prefix = path.join(tmp, "prefix");
const home = path.join(tmp, "home");
const installed = path.join(prefix, "lib/node_modules/spuff");
const ADDON = "node_modules/better-sqlite3/build/Release/better_sqlite3.node";
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) c.kill("SIGKILL");
  fs.rmSync(tmp, { recursive: true, force: true });
});

function npm(args: string[]): { status: number | null; out: string } {
  const r = spawnSync("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd: repo,
    encoding: "utf8",
    timeout: 300_000,
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** The installed command, run as a user would: by name from PREFIX/bin, with a private HOME. */
function run(bin: string, args: string[], extra: Record<string, string> = {}) {
  return spawnSync(path.join(prefix, "bin", bin), args, {
    encoding: "utf8",
    timeout: 30_000,
    cwd: home,
    env: {
      PATH: `${path.join(prefix, "bin")}:${process.env.PATH}`,
      HOME: home,
      SPUFF_CONFIG_DIR: path.join(home, "spuff-config"),
      ...extra,
    },
  });
}

let tarball: string;

beforeAll(() => {
  fs.mkdirSync(path.join(home, ".ssh"), { recursive: true });
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(home, ".ssh/id_ed25519")]);
  // --ignore-scripts: prepack would rebuild dist/ under the other tests' feet; global setup built it.
  const pack = npm(["pack", "--ignore-scripts", "--json", "--pack-destination", tmp]);
  expect(pack.status, pack.out).toBe(0);
  tarball = path.join(tmp, JSON.parse(pack.out.slice(pack.out.indexOf("[")))[0].filename);
  const base = ["install", "-g", "--prefix", prefix, "--ignore-scripts", tarball];
  let install = npm([...base, "--offline"]);
  if (install.status !== 0 && install.out.includes("ENOTCACHED"))
    install = npm([...base, "--prefer-offline"]);
  expect(install.status, install.out).toBe(0);
  fs.mkdirSync(path.dirname(path.join(installed, ADDON)), { recursive: true });
  fs.copyFileSync(path.join(repo, ADDON), path.join(installed, ADDON));
}, 600_000);

describe("npm pack + npm install -g", () => {
  it("packs the launchers and the bundles, and no sources, tests or maps", () => {
    const files = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" }).trim().split("\n").sort();
    expect(files).toEqual(
      expect.arrayContaining([
        "package/bin/spuff.cjs",
        "package/dist/cli/main.cjs",
        "package/dist/cli/spuff.cjs",
        // The bundles' content ids: without them the installed CLI keeps no code cache.
        "package/dist/cli/bundle-ids.json",
      ]),
    );
    expect(files).toEqual(
      expect.arrayContaining(["package/dist/agent/spuff-agent.cjs", "package/dist/sim/main.cjs"]),
    );
    const dev = files.filter((f) => /^package\/(src|test|bench|scripts|node_modules)\/|\.map$|\.ts$/.test(f));
    expect(dev).toEqual([]);
  });

  it("links spuff, spuff-agent and spuff-sim into PREFIX/bin", () => {
    expect(fs.readdirSync(path.join(prefix, "bin")).sort()).toEqual(["spuff", "spuff-agent", "spuff-sim"]);
    const version = JSON.parse(fs.readFileSync(path.join(repo, "package.json"), "utf8")).version;
    expect(run("spuff", ["--version"])).toMatchObject({ status: 0, stdout: `${version}\n` });
    expect(run("spuff-agent", ["--version"])).toMatchObject({
      status: 0,
      stdout: `spuff-agent ${version}\n`,
    });
  });

  it("init --defaults, then up --dry-run prints the plan, and list reads the state", () => {
    const init = run("spuff", ["init", "--defaults"]);
    expect(init.status, init.stderr).toBe(0);
    const plan = run("spuff", ["up", "--dry-run", "--json"]);
    expect(plan.status, plan.stderr).toBe(0);
    expect(JSON.parse(plan.stdout)).toMatchObject({ dry_run: true, provider: "local" });
    expect(JSON.parse(plan.stdout).user_data).toMatch(/^#cloud-config\n/);
    // The state database needs better-sqlite3's addon, found inside the installed package.
    expect(run("spuff", ["list", "--json"])).toMatchObject({ status: 0, stdout: "[]\n" });
    // The installed CLI keeps its compiled code for the next command, 0600, in the user's cache.
    const cache = path.join(home, ".cache/spuff/v8");
    const kept = fs.readdirSync(cache);
    expect(kept.length).toBeGreaterThan(0);
    for (const f of kept) expect(fs.statSync(path.join(cache, f)).mode & 0o777).toBe(0o600);
  });

  it("the CLI finds the agent bundle beside itself, though it runs through PREFIX/bin's link", () => {
    const probe = path.join(tmp, "argv-probe.cjs");
    fs.writeFileSync(
      probe,
      'process.on("exit", () => require("fs").writeSync(2, "argv1=" + process.argv[1] + "\\n"));\n',
    );
    const r = run("spuff", ["list", "--json"], { NODE_OPTIONS: `--require ${probe}` });
    const argv1 = r.stderr.match(/argv1=(.*)/)?.[1] ?? "";
    expect(fs.existsSync(path.resolve(path.dirname(argv1), "../dist/agent/spuff-agent.cjs")), argv1).toBe(
      true,
    );
  });

  it("spuff-sim serves a spec-checked DigitalOcean API on loopback", async () => {
    const sim = spawn(
      path.join(prefix, "bin/spuff-sim"),
      ["digitalocean", "--port", "0", "--token", "t0k", "--specs-dir", defaultSpecsDir(repo)],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    children.push(sim);
    let out = "";
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL from spuff-sim: ${out}`)), 20_000);
      const read = (d: Buffer) => {
        out += d.toString();
        const m = out.match(/http:\/\/127\.0\.0\.1:\d+/);
        if (m) {
          clearTimeout(timer);
          resolve(m[0]);
        }
      };
      sim.stdout.on("data", read);
      sim.stderr.on("data", read);
      sim.on("exit", (code) => reject(new Error(`spuff-sim exited ${code}: ${out}`)));
    });
    const res = await fetch(`${url}/v2/droplets`, { headers: { authorization: "Bearer t0k" } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ droplets: [] });
    sim.kill("SIGTERM");
  });
});
