/**
 * Completion over the real command table and a real state.db (read-only, never created), in-process.
 * The shells' own use of it is tested in test/e2e/completion.test.ts.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sample } from "../../test/helpers/instances.ts";
import { localValues } from "../commands/completion.ts";
import { createTestIO } from "../core/io.ts";
import { openInstanceStore } from "../state/open.ts";
import { COMMANDS } from "./commands.ts";
import { complete, formatCandidates } from "./complete.ts";
import { createDeps } from "./deps.ts";

let dir: string;
let stateDb: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-complete-"));
  stateDb = path.join(dir, "state.db");
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function words(...typed: string[]): Promise<string[]> {
  const deps = createDeps({
    io: createTestIO(),
    env: { SPUFF_CONFIG_DIR: dir, HOME: dir },
    logLevel: "error",
  });
  return (await complete(COMMANDS, typed, localValues(deps))).map((c) => c.value);
}

function withInstances(...names: string[]): void {
  const store = openInstanceStore(stateDb, Date.now);
  for (const n of names) store.save(sample(n, { provider: "hetzner", status: "ready" }));
  store.close();
}

describe("completion", () => {
  it("offers commands, then subcommands (aliases descend too), never the internal __complete", async () => {
    expect(await words("")).toEqual(COMMANDS.map((c) => c.name));
    expect(await words("st")).toEqual(["status"]);
    expect(await words("s")).toEqual(["status", "snapshot", "ssh-config", "ssh"]);
    expect(await words("config", "")).toEqual(["show", "get", "set", "unset", "edit", "path"]);
    expect(await words("agent", "m")).toEqual(["metrics"]);
    expect(await words("__complete")).toEqual([]);
  });

  it("offers a command's own flags, --json on data commands, and the global ones", async () => {
    expect(await words("list", "--")).toEqual(["--live", "--json", "--verbose", "--help"]);
    expect(await words("ls", "--l")).toEqual(["--live"]);
    expect(await words("ssh", "--")).toEqual(["--verbose", "--help"]);
    expect(await words("logs", "-")).toContain("-f");
    expect(await words("up", "--d")).toEqual(["--dry-run"]);
  });

  it("offers flag values: providers, bundle names; nothing for free text", async () => {
    expect(await words("up", "--provider", "")).toEqual(["local", "digitalocean", "hetzner", "aws"]);
    expect(await words("gc", "--provider", "h")).toEqual(["hetzner"]);
    expect(await words("logs", "--bundle", "")).toEqual(expect.arrayContaining(["docker", "node", "nix"]));
    expect(await words("up", "--region", "")).toEqual([]);
    expect(await words("completion", "")).toEqual(["bash", "zsh", "fish"]);
  });

  it("offers config keys, and the values a key accepts", async () => {
    expect(await words("config", "get", "")).toEqual(
      expect.arrayContaining(["region", "timeouts.ssh_login"]),
    );
    expect(await words("config", "set", "timeouts.s")).toContain("timeouts.ssh_login");
    expect(await words("config", "set", "provider", "")).toEqual(["local", "digitalocean", "hetzner", "aws"]);
    expect(await words("config", "set", "tools", "d")).toEqual(["docker"]);
    expect(await words("config", "set", "region", "")).toEqual([]);
  });

  it("offers instance names from state.db, after flags and their values", async () => {
    withInstances("box", "build-1", "web");
    expect(await words("status", "")).toEqual(["box", "build-1", "web"]);
    expect(await words("down", "b")).toEqual(["box", "build-1"]);
    expect(await words("logs", "-n", "5", "--file", "syslog", "w")).toEqual(["web"]);
    expect(await words("agent", "logs", "")).toEqual(["box", "build-1", "web"]);
    expect(await words("snapshot", "create", "")).toEqual(["box", "build-1", "web"]);
    // Only the first positional is the instance; after `--` comes exec's remote command.
    expect(await words("status", "box", "")).toEqual([]);
    expect(await words("exec", "box", "--", "")).toEqual([]);
    expect(await words("up", "")).toEqual([]);
  });

  it("offers local images and machine ids from the data dir (image rm, local destroy)", async () => {
    const data = path.join(dir, "data");
    const images = { "debian-12": "base", "box-snap": "snapshot" };
    for (const [name, kind] of Object.entries(images)) {
      fs.mkdirSync(path.join(data, "images", name), { recursive: true });
      fs.writeFileSync(path.join(data, "images", name, "image.json"), JSON.stringify({ name, kind }));
    }
    for (const id of ["m-0123456789", "m-abcdefabcd"])
      fs.mkdirSync(path.join(data, "machines", id), { recursive: true });
    fs.mkdirSync(path.join(data, "machines", "not-a-machine"));
    const env = { SPUFF_CONFIG_DIR: dir, HOME: dir, SPUFF_DATA_DIR: data };
    const deps = createDeps({ io: createTestIO(), env, logLevel: "error" });
    const values = async (...typed: string[]) =>
      (await complete(COMMANDS, typed, localValues(deps))).map((c) => c.value);
    expect(await values("image", "rm", "")).toEqual(["box-snap", "debian-12"]);
    expect(await values("local", "destroy", "m-a")).toEqual(["m-abcdefabcd"]);
  });

  it("never creates, migrates or changes state.db, and works while a writer holds it", async () => {
    expect(await words("status", "")).toEqual([]);
    expect(fs.existsSync(stateDb)).toBe(false);
    withInstances("box");
    const writer = openInstanceStore(stateDb, Date.now);
    try {
      const before = fs.readFileSync(stateDb);
      expect(await words("status", "")).toEqual(["box"]);
      expect(fs.readFileSync(stateDb).equals(before)).toBe(true);
    } finally {
      writer.close();
    }
    fs.writeFileSync(path.join(dir, "state.db"), "not a database");
    expect(await words("status", "")).toEqual([]);
    expect(fs.readFileSync(stateDb, "utf8")).toBe("not a database");
  });

  it("never offers a name from state.db that a shell would read as more than a plain word", async () => {
    const evil = ["$(touch pwned)", "a b", "x\nrm -rf ~", "`id`", "'q'", "-rf", "a;b", ""];
    withInstances("fine-1", ...evil.map((_, i) => `evil-${i}`));
    // state.db is a file: anything may have been written into it behind spuff's back.
    const db = new Database(stateDb);
    const rename = db.prepare("UPDATE instances SET name = ? WHERE name = ?");
    for (const [i, name] of evil.entries()) rename.run(name, `evil-${i}`);
    db.close();
    expect(await words("status", "")).toEqual(["fine-1"]);
  });

  it("prints one line per candidate: descriptions cannot add lines or escape sequences", () => {
    const out = formatCandidates([
      { value: "box", description: "hetzner,\nready\tnow" },
      { value: "web", description: "\u001b]0;pwned\u0007\u001b[2J" },
      { value: "plain" },
    ]);
    expect(out.split("\n")).toEqual(["box\thetzner, ready now", "web\t?]0;pwned??[2J", "plain"]);
  });
});
