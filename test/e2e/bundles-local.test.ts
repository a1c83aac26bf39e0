import { afterAll, describe, expect, it } from "vitest";
import { machineLayout } from "../../src/machines/layout.ts";
import { initJourney, newJourney } from "../helpers/journey.ts";
import { leftovers, NOTHING_LEFT, removeDataDirs, runMachineSuites } from "../helpers/machines.ts";

describe.runIf(runMachineSuites)("tool bundles on a real local machine", () => {
  const dirs: string[] = [];
  afterAll(() => removeDataDirs(dirs), 120_000);

  it("shell-tools and claude-code (with node first) install in the background; codex is not installed", async () => {
    const j = newJourney("bundles");
    const { dir, run } = j;
    dirs.push(dir);
    await initJourney(j, "local");
    expect((await run(["config", "set", "tools", "shell-tools"])).code).toBe(0);
    expect((await run(["config", "set", "ai_tools", "claude-code"])).code).toBe(0);

    const up = await run(["up", "e2e-bundles", "--no-connect", "--json"], 300_000);
    expect(up.code, up.stderr).toBe(0);
    const events = up.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const phases = events.filter((e) => e.status === "done").map((e) => e.phase);
    expect(phases.at(-1)).toBe("environment");
    expect(phases).not.toContain("setup");
    const envPhase = events.find((e) => e.phase === "environment" && e.status === "done");
    expect(envPhase.detail).toBe("bundles in the background: shell-tools, node, claude-code");
    console.log(`environment phase ${envPhase.ms} ms; up ${events.at(-1).ms} ms`);

    // Right after up the bundles are still installing (or queued): the shell works meanwhile.
    const early = JSON.parse((await run(["status", "e2e-bundles", "--json"])).stdout).agent;
    expect(early.bootstrap.bundles.map((b: { name: string }) => b.name)).toEqual([
      "shell-tools",
      "node",
      "claude-code",
    ]);
    expect((await run(["exec", "e2e-bundles", "--", "true"])).code).toBe(0);

    const t0 = Date.now();
    let bundles: { name: string; status: string; version: string | null }[] = [];
    for (let i = 0; i < 200; i++) {
      bundles = JSON.parse((await run(["status", "e2e-bundles", "--json"])).stdout).agent.bootstrap.bundles;
      if (bundles.every((b) => ["done", "failed", "skipped"].includes(b.status))) break;
      await new Promise((r) => setTimeout(r, 3000));
    }
    console.log(
      `bundles settled after ${Math.round((Date.now() - t0) / 1000)} s more: ${JSON.stringify(bundles)}`,
    );
    expect(bundles.map((b) => [b.name, b.status])).toEqual([
      ["shell-tools", "done"],
      ["node", "done"],
      ["claude-code", expect.stringMatching(/^(done|failed)$/)],
    ]);
    expect(bundles[0]?.version).toMatch(/^\d+\.\d+/); // fzf --version
    expect(bundles[1]?.version).toMatch(/^v\d+\./);
    // npm's registry is the open internet: it may be out of reach here, and then the bundle must
    // say failed, with its log, and the whole bootstrap failed; never a fake success.
    const claude = bundles[2];
    const aiLog = await run(["logs", "e2e-bundles", "--bundle", "claude-code", "-n", "15"]);
    console.log(`claude-code ${claude?.status}; its log ends:\n${aiLog.stdout}`);
    const st = JSON.parse((await run(["status", "e2e-bundles", "--json"])).stdout).agent;
    const human = (await run(["status", "e2e-bundles"])).stdout;
    expect(human).toMatch(/^Bundles +✓ shell-tools \d/m);
    const which = await run([
      "exec",
      "e2e-bundles",
      "--",
      "bash",
      "-lc",
      'for c in fzf rg batcat fdfind jq tmux npm claude codex; do command -v $c >/dev/null && echo "$c yes" || echo "$c no"; done',
    ]);
    const claudeThere = claude?.status === "done" ? "yes" : "no";
    expect(which.stdout).toBe(
      [
        "fzf yes",
        "rg yes",
        "batcat yes",
        "fdfind yes",
        "jq yes",
        "tmux yes",
        "npm yes",
        `claude ${claudeThere}`,
        "codex no",
        "",
      ].join("\n"),
    );
    if (claude?.status === "done") {
      expect(claude.version).toMatch(/\d+\.\d+\.\d+/);
      expect(st.status.bootstrap_status).toBe("ready");
    } else {
      expect(aiLog.stdout).toMatch(/npm/i);
      expect(st.status.bootstrap_status).toBe("failed");
      // A login shell says so too.
      const banner = await run(["exec", "e2e-bundles", "--", "bash", "-lc", "true"]);
      expect(banner.stderr).toContain(
        "spuff: tool bundle claude-code FAILED; see: spuff logs --bundle claude-code",
      );
      expect(human).toMatch(
        /^ +✗ claude-code \(failed, exit \d+; spuff logs e2e-bundles --bundle claude-code\)$/m,
      );
    }
    // Idempotent: run again on the machine, it finds everything there and changes nothing.
    const again = await run([
      "exec",
      "e2e-bundles",
      "--",
      "sudo",
      "-n",
      "bash",
      "/opt/spuff/bundles/bundle-shell-tools.sh",
      "install",
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe("already installed: fzf bat ripgrep fd-find jq tmux\n");
    const log = await run(["logs", "e2e-bundles", "--bundle", "shell-tools"]);
    expect(log.stdout).toMatch(/apt-get install/);

    expect((await run(["down", "e2e-bundles", "--yes"], 120_000)).code).toBe(0);
    expect(leftovers(machineLayout(dir))).toEqual(NOTHING_LEFT);
  }, 900_000);
});
