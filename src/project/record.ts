/**
 * What later commands need from the spuff.yaml an instance was made with, kept in the
 * instance's folder (no secrets): the ports `ssh`/`tunnel` forward and the pre_down hook `down`
 * runs, so they work from any directory and do not change if spuff.yaml is edited afterwards.
 */
import fs from "node:fs";
import path from "node:path";
import { writeFileAtomic } from "../core/fs-atomic.ts";
import type { Project } from "./load.ts";

export interface ProjectRecord {
  file: string;
  ports: number[];
  preDown?: string;
}

const recordFile = (instanceDir: string) => path.join(instanceDir, "project.json");

export function saveProjectRecord(instanceDir: string, p: Project): void {
  const rec: ProjectRecord = {
    file: p.file,
    ports: p.ports,
    ...(p.hooks.preDown ? { preDown: p.hooks.preDown } : {}),
  };
  fs.mkdirSync(instanceDir, { recursive: true, mode: 0o700 });
  writeFileAtomic(recordFile(instanceDir), `${JSON.stringify(rec, null, 2)}\n`, 0o600);
}

export function readProjectRecord(instanceDir: string): ProjectRecord | undefined {
  try {
    const v = JSON.parse(fs.readFileSync(recordFile(instanceDir), "utf8")) as Partial<ProjectRecord>;
    const ports = Array.isArray(v.ports)
      ? v.ports.filter((x) => Number.isInteger(x) && x > 0 && x < 65536)
      : [];
    return {
      file: String(v.file ?? ""),
      ports,
      ...(typeof v.preDown === "string" && v.preDown ? { preDown: v.preDown } : {}),
    };
  } catch {
    return undefined;
  }
}
