/**
 * One line per machine the agent keeps running past its idle timeout because of unsaved work,
 * after every command (main.ts), so a machine that costs money is never forgotten. Cheap by
 * construction: it reads the small unsaved.json files `status` (or `down`, `gc`, the reaper) left
 * in the instances folder (commands/unsaved-memory.ts `readRemembered`, which loads no ssh2 and
 * skips an absent file without a thrown error); no state database, no network. The time says how
 * fresh that account is.
 */
import fs from "node:fs";
import path from "node:path";
import { readRemembered, UNSAVED_FILE } from "../commands/unsaved-memory.ts";
import { visibleLine as printable } from "../core/visible.ts";
import type { Deps } from "./deps.ts";

const MAX_MACHINES = 20;
const MAX_LINE = 240;

export function keptNotices(instancesDir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(instancesDir).slice(0, 200);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const name of names) {
    const v = readRemembered(path.join(instancesDir, name, UNSAVED_FILE));
    if (!v?.kept) continue;
    const what = v.lines.join("; ");
    const shown = printable(name, 64);
    const p = v.price_hourly;
    const price = p ? `, ${p.amount} ${p.currency}/h` : "";
    const at = v.at !== undefined ? ` (as of ${v.at.slice(0, 16).replace("T", " ")} UTC)` : ""; // escaped with the whole line
    const line = printable(
      `spuff: ${shown} is kept running for unsaved work${at}${price}: ${what}`,
      MAX_LINE,
    );
    out.push(`${line} (spuff status ${shown})`);
    if (out.length >= MAX_MACHINES) break;
  }
  return out;
}

export function printKeptNotices(deps: Deps): void {
  if (deps.json) return; // stderr then carries one JSON error document at most
  try {
    for (const l of keptNotices(path.join(deps.paths.configDir, "instances"))) deps.io.err.write(`${l}\n`);
  } catch (err) {
    deps.log.debug("kept notice skipped", { error: err instanceof Error ? err.message : String(err) });
  }
}
