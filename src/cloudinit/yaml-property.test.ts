/**
 * Property test: whatever the strings in a cloud-config, cloud-init's own parser (PyYAML, Debian's
 * python3-yaml) reads back exactly the object spuff meant. Random strings from the whole Unicode
 * range go into every string slot of the config, and into every user-controlled input of
 * buildCloudConfig (which either refuses the value or must produce a config that round-trips).
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { UserError } from "../core/errors.ts";
import { mulberry32 } from "../sim/faults.ts";
import type { CloudConfigArgs } from "./args.ts";
import { buildCloudConfig } from "./build.ts";
import { serializeCloudConfig } from "./serialize.ts";
import { testArgs } from "./test-args.ts";
import type { CloudConfig } from "./types.ts";

/** Parses many YAML documents in one python3 run; each result is the value or {error}. */
function pyLoadAll(texts: string[]): unknown[] {
  const script =
    "import sys, json, yaml\n" +
    "out = []\n" +
    "for t in json.load(sys.stdin):\n" +
    "    try: out.append({'value': yaml.safe_load(t)})\n" +
    "    except Exception as e: out.append({'error': str(e)})\n" +
    "print(json.dumps(out))\n";
  const r = spawnSync("/usr/bin/python3", ["-c", script], {
    input: JSON.stringify(texts),
    encoding: "utf8",
    timeout: 60_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as unknown[];
}

// Characters YAML or PyYAML treat specially, drawn more often than uniform code points would be.
const NASTY = [
  ..."\n\r\t \u0085\u2028\u2029\ufeff\u00a0\u0000\u0007\u001b\u007f\u0080\u009f\ufffe\uffff",
  ...":#-?&*!|>'\"%@`{}[],\\~",
  "\u2028bootcmd: [[touch, /pwned]]\u2028",
  "\nruncmd:\n  - [id]\n",
  "yes",
  "0644",
];

function randomString(next: () => number): string {
  const len = Math.floor(next() * 24);
  let s = "";
  for (let i = 0; i < len; i++) {
    const r = next();
    if (r < 0.4) s += NASTY[Math.floor(next() * NASTY.length)];
    else if (r < 0.6) s += String.fromCharCode(0x20 + Math.floor(next() * 95));
    else {
      // Any Unicode scalar value: the whole range but the surrogate block.
      let cp = Math.floor(next() * (0x110000 - 0x800));
      if (cp >= 0xd800) cp += 0x800;
      s += String.fromCodePoint(cp);
    }
  }
  return s;
}

/** A config with a random string in every string slot the types allow. */
function randomConfig(next: () => number): CloudConfig {
  const r = () => randomString(next);
  const base = buildCloudConfig(testArgs());
  return {
    ...base,
    hostname: r(),
    users: [
      "default",
      { name: r(), sudo: r(), shell: r(), lock_passwd: true, ssh_authorized_keys: [r(), r()], groups: [r()] },
    ],
    packages: [r(), r(), r()],
    write_files: [
      ...(base.write_files ?? []).slice(0, 1),
      { path: r(), content: r(), permissions: r(), owner: r() },
      { path: r(), content: `${r()}\n${r()}\n`, defer: true },
    ],
    runcmd: [[r(), r()], [r()]],
    final_message: r(),
  };
}

function expectRoundTrips(configs: CloudConfig[]): void {
  const texts = configs.map(serializeCloudConfig);
  const back = pyLoadAll(texts);
  configs.forEach((cfg, i) => {
    expect(back[i], texts[i]).toEqual({ value: JSON.parse(JSON.stringify(cfg)) });
  });
}

describe("cloud-config through PyYAML", () => {
  it("reads back a line separator as data, not as a new top-level key (the known injection)", () => {
    const cfg: CloudConfig = { final_message: "hi\u2028bootcmd: [[touch, /pwned]]" };
    const block: CloudConfig = { final_message: "a\nb\u2028bootcmd: [[touch, /pwned]]\n" };
    expectRoundTrips([cfg, block, { packages: ["x\u0085y", "p\u2029q: r"] }]);
  });

  it("reads back every string slot exactly, for 300 random configs (seeded)", () => {
    const next = mulberry32(0x5eed2028);
    for (let batch = 0; batch < 3; batch++) {
      expectRoundTrips(Array.from({ length: 100 }, () => randomConfig(next)));
    }
  });

  it("every user-controlled input of buildCloudConfig is refused or round-trips (300 random values)", () => {
    const next = mulberry32(0xc10d1417);
    const key = testArgs().userPublicKey.split(" ").slice(0, 2).join(" ");
    const inputs: ((s: string) => Partial<CloudConfigArgs>)[] = [
      (s) => ({ userPublicKey: `${key} ${s}` }),
      (s) => ({ userPublicKey: `${key} me@host${s}` }),
      (s) => ({ dotfiles: `https://example.com/${s}` }),
      (s) => ({ dotfiles: `git@example.com:${s}` }),
      (s) => ({ extraPackages: [`pkg${s}`] }),
      (s) => ({ agentApiUrl: `http://127.0.0.1/${s}` }),
      (s) => ({ agentMetadataUrl: `http://127.0.0.1/${s}` }),
      (s) => ({ hostname: `h${s}` }),
      (s) => ({ user: `u${s}` }),
    ];
    const built: CloudConfig[] = [];
    let refused = 0;
    for (let i = 0; i < 300; i++) {
      const over = inputs[i % inputs.length]!(randomString(next));
      try {
        built.push(buildCloudConfig(testArgs(over)));
      } catch (e) {
        if (!(e instanceof UserError)) throw e;
        refused++;
      }
    }
    // Both outcomes occur, so both paths were exercised.
    expect(refused).toBeGreaterThan(0);
    expect(built.length).toBeGreaterThan(0);
    expectRoundTrips(built);
  });
});
