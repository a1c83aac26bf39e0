import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createDeps } from "../cli/deps.ts";
import { createTestIO } from "../core/io.ts";
import { readRemembered, rememberedByName, rememberUnsaved } from "./unsaved-memory.ts";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-unsaved-mem-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const deps = () => createDeps({ io: createTestIO(), env: { SPUFF_CONFIG_DIR: dir }, logLevel: "error" });

describe("remembered unsaved work, read for `list`", () => {
  it("is empty before any instance has a folder", () => {
    expect(rememberedByName(deps())).toEqual(new Map());
  });

  it("holds exactly the instances with a readable account, by name", () => {
    const d = deps();
    rememberUnsaved(d, "kept-one", { lines: ["repo: 2 uncommitted"], kept: true });
    rememberUnsaved(d, "clean", { lines: ["repo: 1 unpushed"], kept: false });
    fs.mkdirSync(d.paths.instanceDir("no-file"), { recursive: true });
    fs.mkdirSync(d.paths.instanceDir("broken"), { recursive: true });
    fs.writeFileSync(path.join(d.paths.instanceDir("broken"), "unsaved.json"), "{not json");
    const all = rememberedByName(d);
    expect([...all.keys()].sort()).toEqual(["clean", "kept-one"]);
    expect(all.get("kept-one")).toMatchObject({ lines: ["repo: 2 uncommitted"], kept: true });
    // The same answer as reading each instance's file on its own.
    for (const name of ["kept-one", "clean", "no-file", "broken", "never-seen"]) {
      expect(all.get(name)).toEqual(readRemembered(path.join(d.paths.instanceDir(name), "unsaved.json")));
    }
  });
});

describe("readRemembered", () => {
  const file = (name: string, body: unknown): string => {
    const f = path.join(dir, `${name}.json`);
    fs.writeFileSync(f, typeof body === "string" ? body : JSON.stringify(body));
    return f;
  };

  it("gives back what was written", () => {
    const body = {
      lines: ["workspace/api: 1 unpushed commit"],
      kept: true,
      price_hourly: { amount: 0.0298, currency: "USD" },
      at: "2026-01-01T10:00:00.000Z",
    };
    expect(readRemembered(file("ok", body))).toEqual(body);
  });

  it("a broken, missing or hand-edited file gives nothing, or only the fields of the right type", () => {
    expect(readRemembered(file("broken", "{not json"))).toBeUndefined();
    expect(readRemembered(file("null", "null"))).toBeUndefined();
    expect(readRemembered(file("nolines", { kept: true }))).toBeUndefined();
    expect(readRemembered(path.join(dir, "missing.json"))).toBeUndefined();
    expect(
      readRemembered(
        file("odd", { lines: ["a", 1, null, { x: 1 }], kept: "yes", price_hourly: { amount: "1" }, at: 5 }),
      ),
    ).toEqual({ lines: ["a"], kept: false, price_hourly: null });
  });
});
