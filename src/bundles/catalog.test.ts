import { describe, expect, it } from "vitest";
import { parseConfigText } from "../config/file.ts";
import { coerceValue } from "../config/keys.ts";
import { BUNDLE_NAMES, BUNDLE_SCRIPT, selectBundles } from "./catalog.ts";

describe("selectBundles", () => {
  it("config tools, then environment, then AI tools, then the project's; needs first; nothing twice", () => {
    expect(
      selectBundles({
        tools: ["docker", "go"],
        environment: "devbox",
        aiTools: ["codex"],
        project: ["go", "rust"],
      }),
    ).toEqual(["docker", "go", "devbox", "node", "codex", "rust"]);
    expect(selectBundles({ aiTools: ["claude-code", "codex"] })).toEqual(["node", "claude-code", "codex"]);
    expect(selectBundles({ environment: "none" })).toEqual([]);
    expect(selectBundles({})).toEqual([]);
  });

  it("every bundle has its script", () => {
    for (const b of BUNDLE_NAMES) expect(BUNDLE_SCRIPT[b], b).toMatch(/^#!\/usr\/bin\/env bash\n/);
  });
});

describe("config keys tools / environment / ai_tools", () => {
  it("accept known names and reject others, naming the allowed values", () => {
    const ok = parseConfigText(
      "c.yaml",
      "tools: [docker, node]\nenvironment: nix\nai_tools: [claude-code]\n",
    );
    expect(ok.config).toMatchObject({
      tools: ["docker", "node"],
      environment: "nix",
      ai_tools: ["claude-code"],
    });
    expect(() => parseConfigText("c.yaml", "ai_tools: [cursor]\n")).toThrow(
      /ai_tools\.0: "cursor" is not allowed \(allowed: claude-code, codex\)/,
    );
    expect(() => parseConfigText("c.yaml", "environment: conda\n")).toThrow(/allowed: none, devbox, nix/);
  });

  it("`config set tools a,b` is a list; none is empty", () => {
    expect(coerceValue("tools", "docker, node")).toEqual(["docker", "node"]);
    expect(coerceValue("ai_tools", "none")).toEqual([]);
    expect(coerceValue("environment", "devbox")).toBe("devbox");
  });
});
