/**
 * Walks the command table in-process: every command has a description, its flags and arguments
 * have help, it has examples, and every data command declares --json. The help text is rendered
 * by the real commander program built from the table, so these are what a user sees.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CommanderError } from "commander";
import { afterEach, describe, expect, it } from "vitest";
import { createTestIO } from "../core/io.ts";
import type { CommandDef } from "./command-def.ts";
import { COMMANDS } from "./commands.ts";
import { createDeps } from "./deps.ts";
import { buildProgram } from "./program.ts";

/** Output is data: these must take --json. Listed here, not read from the table, so the test can fail. */
const DATA = [
  "init",
  "config show",
  "config get",
  "config path",
  "list",
  "status",
  "cost",
  "up",
  "trust",
  "down",
  "snapshot create",
  "snapshot list",
  "snapshot delete",
  "prebuild create",
  "prebuild list",
  "prebuild rm",
  "prebuild gc",
  "volume list",
  "volume resize",
  "volume rm",
  "gc",
  "ssh-config show",
  "ssh-config install",
  "exec",
  "logs",
  "tunnel",
  "agent status",
  "agent metrics",
  "agent processes",
  "agent logs",
  "image build",
  "image list",
  "image rm",
  "local list",
  "local destroy",
  "local gc",
];
/** Output is a terminal session, a script or nothing: no --json. */
const NOT_DATA = ["config set", "config unset", "config edit", "ssh", "code", "completion"];

interface Entry {
  path: string;
  def: CommandDef;
}
function walk(defs: readonly CommandDef[], prefix = ""): Entry[] {
  return defs.flatMap((def) => {
    const p = `${prefix}${def.name}`;
    return [{ path: p, def }, ...walk(def.subcommands ?? [], `${p} `)];
  });
}
const ALL = walk(COMMANDS);
const LEAVES = ALL.filter((e) => !e.def.subcommands?.length);

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function testDeps() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-table-"));
  dirs.push(dir);
  const io = createTestIO();
  const deps = createDeps({ io, env: { SPUFF_CONFIG_DIR: dir, HOME: dir }, logLevel: "error" });
  return { deps, io, dir };
}

async function helpOf(words: string[]): Promise<string> {
  const { deps, io } = testDeps();
  const argv = [...words, "--help"];
  await expect(buildProgram(deps, argv).parseAsync(argv, { from: "user" })).rejects.toBeInstanceOf(
    CommanderError,
  );
  return io.stdout();
}

describe("the command table", () => {
  it("has unique names and every leaf classified as data or not", () => {
    const paths = ALL.map((e) => e.path);
    expect(new Set(paths).size).toBe(paths.length);
    for (const { path: p } of LEAVES) expect(DATA.includes(p) !== NOT_DATA.includes(p), p).toBe(true);
    for (const p of [...DATA, ...NOT_DATA])
      expect(
        LEAVES.map((e) => e.path),
        p,
      ).toContain(p);
  });

  it.each(ALL)(
    "$path: description, help on every flag and argument, examples that use it",
    ({ path: p, def }) => {
      expect(def.description.trim().length, p).toBeGreaterThan(5);
      expect(def.examples.length, p).toBeGreaterThan(0);
      const spelled = [def.name, ...(def.aliases ?? [])].map((n) => `spuff ${p.replace(/[^ ]+$/, n)}`);
      expect(
        def.examples.some((e) => spelled.some((s) => e.includes(s))),
        `${p}: one example runs it`,
      ).toBe(true);
      for (const f of def.flags ?? []) expect(f.description.trim(), `${p} ${f.flags}`).not.toBe("");
      for (const a of def.args ?? []) expect(a.description.trim(), `${p} <${a.name}>`).not.toBe("");
      if (!def.subcommands?.length) expect(def.run, `${p} runs something`).toBeTypeOf("function");
    },
  );

  it.each(ALL)(
    "$path --help shows the description, the examples, and --json exactly for data commands",
    async (e) => {
      const help = await helpOf(e.path.split(" "));
      expect(help).toContain(e.def.description.slice(0, 30));
      expect(help).toContain("Examples:");
      for (const ex of e.def.examples) expect(help).toContain(`$ ${ex}`);
      expect(/^\s+--json\b/m.test(help), `${e.path} --json`).toBe(DATA.includes(e.path));
    },
  );

  it("reads --json from the parsed options into deps.json, only for the command that declares it", async () => {
    const run = async (argv: string[]) => {
      const { deps, io } = testDeps();
      await buildProgram(deps, argv).parseAsync(argv, { from: "user" });
      return { json: deps.json, out: io.stdout() };
    };
    const withJson = await run(["config", "path", "--json"]);
    expect(withJson.json).toBe(true);
    expect(JSON.parse(withJson.out)).toHaveProperty("config_file");
    const without = await run(["config", "path"]);
    expect(without.json).toBe(false);
    expect(() => JSON.parse(without.out)).toThrow();
    // A word that is the value of another flag is not --json (peeking at argv got this wrong).
    const { deps } = testDeps();
    const argv = ["init", "--defaults", "--region", "--json"];
    await buildProgram(deps, argv).parseAsync(argv, { from: "user" });
    expect(deps.json).toBe(false);
  });
});
