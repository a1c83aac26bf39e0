import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createDeps } from "../cli/deps.ts";
import { createTestIO } from "../core/io.ts";
import { readConfigFast, writeConfigCache } from "./validated-cache.ts";

let dir: string;
let file: string;
let cache: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-vcache-"));
  file = path.join(dir, "config.yaml");
  cache = path.join(dir, ".config.validated.json");
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const TEXT = "provider: hetzner\nhetzner:\n  token: hz_secret_token\n";
const CONFIG = { provider: "hetzner" as const, hetzner: { token: "hz_secret_token" } };

describe("the validated copy of config.yaml", () => {
  it("is used only for the exact bytes and the build that wrote it", () => {
    fs.writeFileSync(file, TEXT, { mode: 0o600 });
    expect(readConfigFast(file, cache, "b1")).toBeUndefined(); // no copy yet
    writeConfigCache(cache, "b1", TEXT, CONFIG);
    expect(fs.statSync(cache).mode & 0o777).toBe(0o600);
    expect(readConfigFast(file, cache, "b1")).toEqual({ exists: true, config: CONFIG });
    expect(readConfigFast(file, cache, "b2")).toBeUndefined(); // another build
    fs.writeFileSync(file, `${TEXT}# edited by hand\n`);
    expect(readConfigFast(file, cache, "b1")).toBeUndefined(); // another file
  });

  it("never vouches for a token file others can read (the full read refuses it)", () => {
    fs.writeFileSync(file, TEXT, { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    writeConfigCache(cache, "b1", TEXT, CONFIG);
    expect(readConfigFast(file, cache, "b1")).toBeUndefined();
  });

  it("a missing file is an empty config; a broken copy is a miss", () => {
    expect(readConfigFast(file, cache, "b1")).toEqual({ exists: false, config: {} });
    fs.writeFileSync(file, TEXT, { mode: 0o600 });
    fs.writeFileSync(cache, "{not json");
    expect(readConfigFast(file, cache, "b1")).toBeUndefined();
  });

  it("settings write it after a full read, use it next time, and an edit is seen at once", async () => {
    fs.writeFileSync(file, "provider: hetzner\n", { mode: 0o600 });
    const deps = () =>
      createDeps({ io: createTestIO(), env: { SPUFF_CONFIG_DIR: dir }, logLevel: "error", buildId: "b1" });
    expect((await deps().settings()).provider).toBe("hetzner");
    expect(fs.existsSync(cache)).toBe(true);
    // Proof the copy is what the next command reads: change only the copy's value.
    const copy = JSON.parse(fs.readFileSync(cache, "utf8"));
    copy.config.provider = "aws";
    fs.writeFileSync(cache, JSON.stringify(copy));
    expect((await deps().settings()).provider).toBe("aws");
    fs.writeFileSync(file, "provider: digitalocean\n");
    expect((await deps().settings()).provider).toBe("digitalocean");
    // An invalid edit is refused by the full read, whatever copy exists.
    fs.writeFileSync(file, "provider: nowhere\n");
    await expect(deps().settings()).rejects.toThrow(/provider/);
  });

  it("without a build id (unbundled sources) nothing is written", async () => {
    fs.writeFileSync(file, "provider: hetzner\n", { mode: 0o600 });
    await createDeps({
      io: createTestIO(),
      env: { SPUFF_CONFIG_DIR: dir },
      logLevel: "error",
      buildId: null,
    }).settings();
    expect(fs.existsSync(cache)).toBe(false);
  });
});
