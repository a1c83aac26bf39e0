// biome-ignore-all lint/suspicious/noTemplateCurlyInString: spuff.yaml interpolation syntax under test
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { interpolate } from "./interpolate.ts";
import { findProjectFile, loadProject, projectFor } from "./load.ts";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-project-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function project(name: string, yaml: string, secrets?: string, secretsMode = 0o600): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(path.join(dir, "src", "deep"), { recursive: true });
  fs.writeFileSync(path.join(dir, "spuff.yaml"), yaml);
  if (secrets !== undefined)
    fs.writeFileSync(path.join(dir, "spuff.secrets.yaml"), secrets, { mode: secretsMode });
  return dir;
}

const message = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("did not throw");
};

describe("interpolate", () => {
  it("${VAR}, ${VAR:-default}, $$ and bare $VAR", () => {
    const env = { A: "x", EMPTY: "" };
    expect(interpolate("${A}-${B:-dflt}-$$-$HOME", env)).toMatchObject({
      value: "x-dflt-$-$HOME",
      missing: [],
    });
    expect(interpolate("${EMPTY:-d}${EMPTY}", env)).toMatchObject({ value: "d", missing: [] });
    expect(interpolate("${NOPE}", env)).toMatchObject({ value: "", missing: ["NOPE"] });
  });
});

describe("loadProject", () => {
  it("is found from a subdirectory upward; none outside a project", () => {
    const dir = project("found", "name: app\n");
    expect(findProjectFile(path.join(dir, "src", "deep"))).toBe(path.join(dir, "spuff.yaml"));
    expect(projectFor(path.join(dir, "src"), {})?.name).toBe("app");
    expect(findProjectFile(fs.mkdtempSync(path.join(os.tmpdir(), "spuff-noproject-")))).toBeUndefined();
  });

  it("reads every key; secrets win over env; values interpolated from the local environment", () => {
    const dir = project(
      "full",
      [
        'version: "1"',
        "name: my-app",
        "resources: { size: s-2vcpu-4gb, region: fra1 }",
        "bundles: [node, python]",
        "packages: [jq, tree]",
        "repositories:",
        "  - me/private-repo",
        "  - { url: 'ssh://git@10.0.2.2:2222/srv/app.git', path: code/app, branch: main }",
        "env:",
        "  API_URL: ${API_HOST:-localhost}:8080",
        "  TOKEN: placeholder",
        "  PORT: 3000",
        "setup: [npm ci, npm run build]",
        "ports: [3000, 5432]",
        "hooks: { post_up: echo up, pre_down: echo down }",
      ].join("\n"),
      "env:\n  TOKEN: ${LOCAL_SECRET}\n",
    );
    const p = loadProject(path.join(dir, "spuff.yaml"), { LOCAL_SECRET: "s3cr3t-value-123" });
    expect(p).toMatchObject({
      name: "my-app",
      root: dir,
      resources: { size: "s-2vcpu-4gb", region: "fra1" },
      bundles: ["node", "python"],
      packages: ["jq", "tree"],
      repositories: [
        { url: "git@github.com:me/private-repo.git", path: "private-repo" },
        { url: "ssh://git@10.0.2.2:2222/srv/app.git", path: "code/app", branch: "main" },
      ],
      env: { API_URL: "localhost:8080", TOKEN: "s3cr3t-value-123", PORT: "3000" },
      secretKeys: ["TOKEN"],
      setup: ["npm ci", "npm run build"],
      ports: [3000, 5432],
      hooks: { postUp: "echo up", preDown: "echo down" },
    });
  });

  it("names the file, the key and the allowed values", () => {
    const dir = project(
      "bad",
      "name: My_App\nbundles: [node, cobol]\nports: [0, 70000]\nrepositories: [{ url: me/x, dir: y }]\nextra: 1\n",
    );
    const msg = message(() => loadProject(path.join(dir, "spuff.yaml"), {}));
    expect(msg).toContain(`Invalid configuration in ${path.join(dir, "spuff.yaml")}:`);
    expect(msg).toMatch(/name: "My_App" is not valid \(expected a lowercase DNS label/);
    expect(msg).toMatch(
      /bundles\.1: "cobol" is not allowed \(allowed: docker, shell-tools, node, python, go, rust, devbox, nix, claude-code, codex\)/,
    );
    expect(msg).toMatch(/ports\.0: 0 is not valid \(ports are 1-65535\)/);
    expect(msg).toMatch(/ports\.1: 70000 is not valid/);
    expect(msg).toMatch(/in repositories\.0: unknown key "dir" \(allowed: url, path, branch\)/);
    expect(msg).toMatch(
      /unknown key "extra" \(allowed: version, name, resources, bundles, packages, repositories, env, setup, prebuild, ports, hooks, volume\)/,
    );
  });

  it("an unset ${VAR} without a default is an error naming it; bad YAML is an error", () => {
    const dir = project("unset", "env:\n  KEY: ${NOT_SET_ANYWHERE}\n");
    expect(message(() => loadProject(path.join(dir, "spuff.yaml"), {}))).toMatch(
      /env\.KEY: \$\{NOT_SET_ANYWHERE\} is not set in your environment/,
    );
    const yaml = project("yaml", "name: [unclosed\n");
    expect(message(() => loadProject(path.join(yaml, "spuff.yaml"), {}))).toMatch(/is not valid YAML/);
  });

  it("a secrets file others can read is refused; one with other keys too", () => {
    const open = project("open-secrets", "name: a\n", "env:\n  K: v\n", 0o644);
    fs.chmodSync(path.join(open, "spuff.secrets.yaml"), 0o644);
    expect(message(() => loadProject(path.join(open, "spuff.yaml"), {}))).toMatch(
      /can be read by other users/,
    );
    const extra = project("extra-secrets", "name: a\n", "env: {}\nsetup: [x]\n");
    expect(message(() => loadProject(path.join(extra, "spuff.yaml"), {}))).toMatch(
      /unknown key "setup" \(allowed: env\)/,
    );
  });

  it("two repositories into one path are refused", () => {
    const dir = project("twice", "repositories: [a/app, b/app]\n");
    expect(message(() => loadProject(path.join(dir, "spuff.yaml"), {}))).toMatch(
      /two repositories clone into ~\/workspace\/app/,
    );
  });
});

describe("spuff.yaml volume", () => {
  it("reads volume: {name, size_gb}; a hostile name or size is refused with the file and key", () => {
    const ok = project("vol-ok", "volume: { name: work, size_gb: 20 }\n");
    expect(loadProject(path.join(ok, "spuff.yaml"), {}).volume).toEqual({ name: "work", sizeGb: 20 });
    for (const [i, bad] of ['"$(touch /tmp/x)"', '"a b"', '"../etc"', "Work", '"w;reboot"'].entries()) {
      const dir = project(`vol-bad-${i}`, `volume: { name: ${bad} }\n`);
      expect(message(() => loadProject(path.join(dir, "spuff.yaml"), {}))).toMatch(/volume\.name/);
    }
    const big = project("vol-big", "volume: { size_gb: 20000 }\n");
    expect(message(() => loadProject(path.join(big, "spuff.yaml"), {}))).toMatch(/volume\.size_gb.*1-16384/);
  });
});
