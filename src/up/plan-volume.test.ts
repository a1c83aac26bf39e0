/**
 * A workspace volume in `up`'s plan reaches the agent: agent.json (written by cloud-init, root's
 * 0644 file) carries `workspace_on_volume: true`, which the agent's own parser reads back; an
 * `up` without a volume says nothing of it.
 */
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { parseSettings } from "../agent/config.ts";
import { generateHostKey } from "../cloudinit/host-key.ts";
import { resolveSettings } from "../config/resolve.ts";
import { planUp } from "./plan.ts";

const userPublicKey =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO2uKwQGCmDfH4y7g8WcW0fJZ2OeKs9i6Z5mY3qD0h1n dev@test";

function agentFile(userData: string) {
  const doc = YAML.parse(userData.replace(/^#cloud-config\n/, ""), { version: "1.1" }) as {
    write_files: { path: string; content: string; owner: string; permissions: string }[];
  };
  const f = doc.write_files.find((w) => w.path === "/etc/spuff/agent.json");
  if (!f) throw new Error("no agent.json in user-data");
  return f;
}

const plan = (volume: boolean) =>
  planUp(
    resolveSettings({ provider: "digitalocean" }, { DIGITALOCEAN_TOKEN: "dop_v1_x" }),
    { name: "box", ...(volume ? { volume: { name: "work", sizeGb: 10, sizeAsked: true } } : {}) },
    { now: 0, userPublicKey, hostKey: generateHostKey() },
  );

describe("workspace volume in the plan", () => {
  it("up --volume: agent.json says the workspace is on a volume, in a root-owned file others cannot write", () => {
    const f = agentFile(plan(true).userData);
    expect(f).toMatchObject({ owner: "root:root", permissions: "0644" });
    expect(JSON.parse(f.content)).toMatchObject({ provider: "digitalocean", workspace_on_volume: true });
    expect(parseSettings(f.content, 0).workspace_on_volume).toBe(true);
  });

  it("up without a volume: agent.json does not mention it, and the agent guards ~/workspace", () => {
    const f = agentFile(plan(false).userData);
    expect(JSON.parse(f.content)).not.toHaveProperty("workspace_on_volume");
    expect(parseSettings(f.content, 0).workspace_on_volume).toBeUndefined();
  });
});
