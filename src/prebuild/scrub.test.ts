import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PREBUILD_SCRUB_PATHS, PREBUILD_SCRUB_SCRIPT, prebuildScrubCommand } from "./scrub.ts";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-pbscrub-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("prebuild scrub", () => {
  it("the guest script is shellcheck-clean", () => {
    const f = path.join(tmp, "scrub.sh");
    fs.writeFileSync(f, `#!/bin/sh\n${PREBUILD_SCRUB_SCRIPT}\n`);
    const r = spawnSync("shellcheck", ["-S", "style", f], { encoding: "utf8", timeout: 20_000 });
    expect(r.stdout + r.stderr).toBe("");
  });

  it("removes tokens, env, host keys, cloud-init instance state, authorized keys; empties machine-id", () => {
    for (const p of [
      "/etc/ssh/ssh_host_*",
      "/var/lib/cloud/instance",
      "/var/lib/cloud/instances",
      "/home/*/.ssh/authorized_keys",
      "/root/.ssh/authorized_keys",
    ])
      expect(PREBUILD_SCRUB_PATHS).toContain(p);
    expect(PREBUILD_SCRUB_SCRIPT).toContain(": >/etc/machine-id");
  });

  it("a hostile home directory stays one quoted argument", () => {
    const cmd = prebuildScrubCommand("/home/x'; reboot; '");
    // Run it through a shell that only prints its arguments: no word of the home escapes.
    const r = spawnSync("sh", ["-c", cmd.replace(/^sudo -n sh -c /, "printf '%s\\n' ")], {
      encoding: "utf8",
    });
    const args = r.stdout.split("\n");
    expect(args).toContain("/home/x'; reboot; '/.config/spuff/env.sh");
    expect(args).not.toContain("reboot;");
  });
});
