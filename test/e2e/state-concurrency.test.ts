/** 20 real processes writing into one state DB: nothing lost, nothing corrupted. */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { REPO } from "../helpers/cli.ts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-conc-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function writer(file: string, prefix: string, count: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", path.join(REPO, "test/helpers/state-writer.ts"), file, prefix, String(count)],
      { cwd: REPO, stdio: ["ignore", "ignore", "inherit"] },
    );
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

describe("state under concurrency", () => {
  it("keeps every write from 20 concurrent processes", async () => {
    const file = path.join(dir, "state.db");
    const PROCS = 20;
    const EACH = 10;
    const codes = await Promise.all(Array.from({ length: PROCS }, (_, p) => writer(file, `p${p}`, EACH)));
    expect(codes).toEqual(Array(PROCS).fill(0));
    const db = new Database(file, { readonly: true });
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    const rows = db.prepare("SELECT name, provider_id, status, ip FROM instances").all() as {
      name: string;
      provider_id: string;
      status: string;
      ip: string;
    }[];
    db.close();
    expect(rows).toHaveLength(PROCS * EACH);
    for (const r of rows) {
      expect(r.provider_id).toBe(`${r.name}-pid`);
      expect(r.status).toBe("provisioning");
      expect(r.ip).toMatch(/^127\.0\.0\.\d+$/);
    }
  }, 120_000);
});
