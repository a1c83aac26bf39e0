/**
 * The unsaved-work guard on a real local machine (nspawn, the agent on the image's Node 18):
 * an unpushed commit in one repository and an uncommitted change in another, both cloned from
 * bare repositories on the machine (outside ~/workspace), keep an idle machine (idle_timeout 60 s)
 * running past its timeout; /idle and `status` say why, every command prints the notice line,
 * `down` without a terminal refuses and lists both. Committing and pushing lets it go.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { machineLayout } from "../../src/machines/layout.ts";
import { agentGet, agentToken, onlyMachine, sleep, TESTABLE_IDLE, until } from "../helpers/idle-machine.ts";
import { initJourney, newJourney } from "../helpers/journey.ts";
import { leftovers, NOTHING_LEFT, removeDataDirs, runMachineSuites } from "../helpers/machines.ts";

const IDLE_TIMEOUT_MS = 60_000;
const GRACE_MS = 30_000;
const RECHECK_S = 5;

// As the dev user on the machine: two bare "remotes" outside the workspace, a clone of each with
// one pushed commit, then the work that is not saved anywhere else.
const SETUP = [
  "set -e",
  "git config --global user.name t && git config --global user.email t@example.com",
  "mkdir -p ~/remotes ~/workspace",
  "for r in api web; do git init -q --bare ~/remotes/$r.git; git clone -q ~/remotes/$r.git ~/workspace/$r 2>/dev/null; cd ~/workspace/$r; echo hello > README; git add README; git commit -qm first; git push -q origin HEAD; cd; done",
  "cd ~/workspace/api && echo feature > feature.txt && git add feature.txt && git commit -qm 'not pushed'",
  "cd ~/workspace/web && echo draft >> README",
].join("\n");
const SAVE = [
  "set -e",
  "cd ~/workspace/api && git push -q origin HEAD",
  "cd ~/workspace/web && git commit -qam 'saved' && git push -q origin HEAD",
].join("\n");
const RECHECK = `printf 'SPUFF_AGENT_UNSAVED_RECHECK_SECONDS=${RECHECK_S}\\n' | sudo -n tee -a /etc/spuff/agent.env >/dev/null`;

describe.runIf(runMachineSuites)("unsaved work on a real machine", () => {
  const dirs: string[] = [];
  afterAll(() => removeDataDirs(dirs));

  it("keeps an idle machine past its timeout (reason in /idle and status); down refuses; commit + push lets it go", async () => {
    const j = newJourney("unsaved");
    dirs.push(j.dir);
    await initJourney(j, "local");
    expect((await j.run(["config", "set", "idle_timeout", "60s"])).code).toBe(0);
    const cfg = j.env.SPUFF_CONFIG_DIR as string;
    const up = await j.run(["up", "keep", "--no-connect"], 300_000);
    expect(up.code, up.stderr).toBe(0);
    const setup = await j.run(["exec", "keep", "--", "sh", "-c", SETUP]);
    expect(setup.code, setup.stderr).toBe(0);
    expect((await j.run(["exec", "keep", "--", "sh", "-c", `${RECHECK} && ${TESTABLE_IDLE}`])).code).toBe(0);
    await sleep(3000); // the agent restarts ~1 s after the exec

    // No terminal: refused, both repositories listed, nothing destroyed.
    const down = await j.run(["down", "keep", "--yes"]);
    expect(down.code, down.stderr).toBe(1);
    expect(down.stderr).toContain("workspace/api: 1 unpushed commit");
    expect(down.stderr).toContain("workspace/web: 1 uncommitted change");
    expect(down.stderr).toContain("--discard-unsaved");
    const downJson = await j.run(["down", "keep", "--yes", "--json"]);
    expect(downJson.code).toBe(1);
    const err = JSON.parse(downJson.stderr).error;
    expect(err.code).toBe("unsaved_work");
    expect(err.details.repos.map((r: { path: string }) => r.path).sort()).toEqual([
      "workspace/api",
      "workspace/web",
    ]);
    const lastSsh = Date.now();

    const { engine, machine } = onlyMachine(j.dir);
    await sleep(IDLE_TIMEOUT_MS + GRACE_MS - (Date.now() - lastSsh));
    expect(engine.isRunning(machine)).toBe(true);
    const idle = await agentGet(j.dir, machine, agentToken(cfg, "keep"), "/idle");
    console.log("/idle while kept:", JSON.stringify(idle.kept), JSON.stringify(idle.decisions));
    expect(idle.idle_seconds).toBeGreaterThan(60);
    expect(idle.kept).toMatchObject({ reason: "unsaved_work" });
    expect(idle.kept.detail).toEqual([
      "workspace/api: 1 unpushed commit",
      "workspace/web: 1 uncommitted change",
    ]);
    expect(idle.decisions.filter((d: { event: string }) => d.event === "act")).toEqual([]);

    const status = await j.run(["status", "keep", "--json"]);
    expect(JSON.parse(status.stdout).agent.kept).toMatchObject({ reason: "unsaved_work" });
    const human = await j.run(["status", "keep"]);
    expect(human.stdout).toMatch(
      /Kept running +past its idle timeout since .*workspace\/api: 1 unpushed commit/,
    );
    // Every command (here one that touches no network) now says so.
    const list = await j.run(["list"]);
    expect(list.stderr).toMatch(/^spuff: keep is kept running for unsaved work .*workspace\/web/m);

    const saved = await j.run(["exec", "keep", "--", "sh", "-c", SAVE]);
    expect(saved.code, saved.stderr).toBe(0);
    const savedAt = Date.now();
    const record = path.join(
      machineLayout(j.dir).machineDir(machine.id),
      "upper/var/lib/spuff/teardown.json",
    );
    await until(() => fs.existsSync(record), IDLE_TIMEOUT_MS + GRACE_MS + RECHECK_S * 1000);
    expect(fs.existsSync(record), "no teardown after the work was saved").toBe(true);
    const teardown = JSON.parse(fs.readFileSync(record, "utf8"));
    expect(teardown).toMatchObject({ reason: "idle_timeout", action: "poweroff" });
    console.log(`saved → teardown decided after ${Date.parse(teardown.at) - savedAt} ms`);
    expect(await until(() => !engine.isRunning(machine), 60_000)).toBe(true);
    const gc = await j.run(["local", "gc", "--json"]);
    expect(JSON.parse(gc.stdout).machines).toEqual([machine.id]);
    expect(leftovers(machineLayout(j.dir))).toEqual(NOTHING_LEFT);
  }, 500_000);
});
