/**
 * Bootstrap and cloud-init progress, read from files (no `cloud-init status` child process):
 * /opt/spuff/bootstrap.status is written by the bootstrap script; cloud-init writes
 * /run/cloud-init/status.json while running and result.json once it has finished.
 */
import { promises as fsp } from "node:fs";
import path from "node:path";

export type BootstrapStatus = "unknown" | "running" | "ready" | "failed";

export async function readBootstrapStatus(file: string): Promise<BootstrapStatus> {
  const text = await fsp.readFile(file, "utf8").catch(() => "");
  const word = text.trim().toLowerCase();
  return word === "running" || word === "ready" || word === "failed" ? word : "unknown";
}

export interface CloudInitStatus {
  status: "not started" | "running" | "done" | "error";
  done: boolean;
  errors: string[];
  boot_finished: string | null;
}

async function readJson(file: string): Promise<Record<string, unknown> | undefined> {
  try {
    const v: unknown = JSON.parse(await fsp.readFile(file, "utf8"));
    return typeof v === "object" && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function v1(doc: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const inner = doc?.["v1"];
  return typeof inner === "object" && inner !== null ? (inner as Record<string, unknown>) : undefined;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map((e) => String(e)) : []);

/** `dir` is /run/cloud-init; `done` means result.json exists (cloud-init's own "finished" signal). */
export async function readCloudInit(dir: string): Promise<CloudInitStatus> {
  const [result, status] = await Promise.all([
    readJson(path.join(dir, "result.json")),
    readJson(path.join(dir, "status.json")),
  ]);
  const res = v1(result);
  const st = v1(status);
  const final = st?.["modules-final"] as Record<string, unknown> | undefined;
  const finished = typeof final?.["finished"] === "number" ? final["finished"] : undefined;
  const boot_finished = finished ? new Date(finished * 1000).toISOString() : null;
  if (res) {
    const errors = strings(res["errors"]);
    return { status: errors.length > 0 ? "error" : "done", done: true, errors, boot_finished };
  }
  if (st) return { status: "running", done: false, errors: strings(st["errors"]), boot_finished };
  return { status: "not started", done: false, errors: [], boot_finished: null };
}
