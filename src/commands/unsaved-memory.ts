/**
 * The last known unsaved work of an instance, kept in its folder (unsaved.json): written by
 * `status`, `down`, `gc` and the reaper, read by `list` and the notice line without SSH (this
 * module must not load ssh2: `list` imports it).
 */
import fs from "node:fs";
import path from "node:path";
import type { Deps } from "../cli/deps.ts";
import { writeFileAtomic } from "../core/fs-atomic.ts";
import { visibleLine as printable } from "../core/visible.ts";

/** Lines kept per instance (one per repository). */
export const MAX_LINES = 50;

/** The last known account, kept beside the instance's other files. */
export interface Remembered {
  lines: string[];
  /** The agent kept the machine past its idle deadline for this work (GET /idle's `kept`). */
  kept: boolean;
  price_hourly?: { amount: number; currency: string } | null;
  at?: string;
}

/** Its name inside the instance's folder. */
export const UNSAVED_FILE = "unsaved.json";

const fileOf = (deps: Deps, name: string) => path.join(deps.paths.instanceDir(name), UNSAVED_FILE);

/** Nothing unsaved and not kept: the file goes, so the notice stops. */
export function rememberUnsaved(deps: Deps, name: string, r: Remembered): void {
  const file = fileOf(deps, name);
  try {
    r = { ...r, lines: r.lines.slice(0, MAX_LINES).map((l) => printable(l, 300)) };
    if (r.lines.length === 0 && !r.kept) {
      fs.rmSync(file, { force: true });
      return;
    }
    const prev = readRemembered(file);
    const body = {
      ...r,
      price_hourly: r.price_hourly ?? prev?.price_hourly ?? null,
      at: new Date(deps.clock.now()).toISOString(),
    };
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    writeFileAtomic(file, `${JSON.stringify(body)}\n`);
  } catch (err) {
    deps.log.debug("could not remember unsaved work", { name, error: (err as Error).message });
  }
}

export function forgetUnsaved(deps: Deps, name: string): void {
  fs.rmSync(fileOf(deps, name), { force: true });
}

/**
 * The file's account, each field as its type says (a broken or hand-edited file: undefined, or
 * the fields that are not what they should be left out): the notice after every command reads it.
 */
export function readRemembered(file: string): Remembered | undefined {
  // Most instances have no such file; a failed read costs a thrown error with its stack (~90 µs
  // each: 9 ms of `list` over 100 instances), a failed existsSync almost nothing.
  if (!fs.existsSync(file)) return undefined;
  let v: { lines?: unknown; kept?: unknown; at?: unknown; price_hourly?: unknown };
  try {
    v = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
  if (typeof v !== "object" || v === null || !Array.isArray(v.lines)) return undefined;
  const p = v.price_hourly as { amount?: unknown; currency?: unknown } | null | undefined;
  return {
    lines: v.lines.filter((l): l is string => typeof l === "string"),
    kept: v.kept === true,
    price_hourly:
      p && typeof p.amount === "number" && typeof p.currency === "string"
        ? { amount: p.amount, currency: p.currency }
        : null,
    ...(typeof v.at === "string" ? { at: v.at } : {}),
  };
}

/**
 * Every instance's remembered work, by name (`list`): one read of the instances folder, then only
 * the folders there are looked into. Per instance, building its path alone cost `list` ~9 ms over
 * 100 instances (path.join is slow in a process this young).
 */
export function rememberedByName(deps: Deps): Map<string, Remembered> {
  const root = path.join(deps.paths.configDir, "instances");
  const out = new Map<string, Remembered>();
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch {
    return out; // no instance has a folder yet
  }
  for (const name of names) {
    const r = readRemembered(path.join(root, name, UNSAVED_FILE));
    if (r) out.set(name, r);
  }
  return out;
}
