import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { serializeCloudConfig } from "./serialize.ts";
import { TRICKY, testConfigs } from "./test-configs.ts";

// Debian's python3 has PyYAML (python3-yaml, a dependency of the cloud-init package the suite installs):
// the same parser cloud-init uses on the VM.
const PYTHON = "/usr/bin/python3";

/** Parse with PyYAML (YAML 1.1, what cloud-init uses) and return the JSON-able value. */
function pyLoad(text: string): unknown {
  const r = spawnSync(
    PYTHON,
    ["-c", "import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin.read())))"],
    { input: text, encoding: "utf8", timeout: 10_000 },
  );
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

describe("serializeCloudConfig", () => {
  const configs = testConfigs();

  it("starts with the #cloud-config header line", () => {
    const text = serializeCloudConfig(configs["minimal"]!);
    expect(text.startsWith("#cloud-config\nhostname: spuff-ab12\n")).toBe(true);
  });

  it("quotes strings that YAML 1.1 would turn into booleans, numbers or null", () => {
    const text = serializeCloudConfig({ packages: TRICKY });
    for (const t of ["yes", "on", "0644", "1:30", "~", "y"]) expect(text).toContain(`- "${t}"`);
    expect(YAML.parse(text, { version: "1.1" })).toEqual({ packages: TRICKY });
    // The same document read as YAML 1.1 without quotes would differ: the test can fail.
    expect(YAML.parse("packages:\n  - yes\n  - 0644\n  - 1:30\n", { version: "1.1" })).toEqual({
      packages: [true, 420, 90],
    });
  });

  it("round-trips every test config through the yaml package in 1.1 mode", () => {
    for (const [name, cfg] of Object.entries(configs)) {
      expect(YAML.parse(serializeCloudConfig(cfg), { version: "1.1" }), name).toEqual(cfg);
    }
  });

  it("round-trips every test config through PyYAML (cloud-init's parser)", () => {
    for (const [name, cfg] of Object.entries(configs)) {
      expect(pyLoad(serializeCloudConfig(cfg)), name).toEqual(JSON.parse(JSON.stringify(cfg)));
    }
    expect(pyLoad("a: yes\nb: 0644\n")).toEqual({ a: true, b: 420 });
  });

  it("keeps the host private key as a literal block with its line breaks", () => {
    const text = serializeCloudConfig(configs["minimal"]!);
    expect(text).toMatch(/ed25519_private: \|\n\s+-----BEGIN OPENSSH PRIVATE KEY-----\n/);
  });
});
