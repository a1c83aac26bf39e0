/**
 * Every test file sits in the project that matches what it uses (test/projects.ts): a file that
 * boots machines is in `machines`, one that needs dist/, an sshd or an official CLI is in `e2e` or
 * `machines`, and `unit` holds only files that need none of these.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { E2E, MACHINES } from "./projects.ts";

const repo = path.resolve(import.meta.dirname, "..");

function testFiles(dir: string): string[] {
  return fs
    .readdirSync(path.join(repo, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".test.ts"))
    .map((f) => path.join(dir, f).split(path.sep).join("/"));
}

/** What in a test file's text means it needs more than Node and loopback. */
const NEEDS_MACHINES = [/helpers\/machines\.ts"/];
const NEEDS_E2E = [
  /helpers\/(cli|spuff-process|pty|journey)\.ts"/, // the built spuff binary
  /\b(startSshd|startSshAgent|useSshdConnection|startRelayedBox)\(/, // a real OpenSSH sshd / ssh-agent
  /testing\/agent-process\.ts"/, // the built agent bundle
  /"\/usr\/bin\/(aws|hcloud)"/, // the official clients
];

const files = [...testFiles("src"), ...testFiles("test")].sort();
const text = (f: string) => fs.readFileSync(path.join(repo, f), "utf8");

describe("test projects", () => {
  it("finds the test files", () => {
    expect(files.length).toBeGreaterThan(50);
  });

  it("lists only files that exist, each in one project", () => {
    for (const f of [...E2E, ...MACHINES]) expect(files, `${f} is listed but missing`).toContain(f);
    expect(E2E.filter((f) => MACHINES.includes(f))).toEqual([]);
  });

  it("puts files that boot machines in `machines`", () => {
    const misplaced = files.filter(
      (f) => NEEDS_MACHINES.some((re) => re.test(text(f))) && !MACHINES.includes(f),
    );
    expect(misplaced, "add these to MACHINES in test/projects.ts").toEqual([]);
  });

  it("keeps files that need dist/, an sshd or an official CLI out of `unit`", () => {
    const unit = files.filter((f) => !E2E.includes(f) && !MACHINES.includes(f));
    const misplaced = unit.filter((f) => NEEDS_E2E.some((re) => re.test(text(f))));
    expect(misplaced, "add these to E2E (or MACHINES) in test/projects.ts").toEqual([]);
  });
});
