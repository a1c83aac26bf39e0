/** POST /exec {command, timeout_secs?} → {exit_code, stdout, stderr, duration_ms}; 408 on timeout. */
import type { Handler } from "./agent.ts";
import { HttpError, json, readJsonObject } from "./http.ts";

const DEFAULT_TIMEOUT_SECS = 30;
/** Upper bound so a request cannot pin a process for days. */
const MAX_TIMEOUT_SECS = 3600;
const MAX_COMMAND_LENGTH = 32 * 1024;

export const postExec: Handler = async (req, _url, d) => {
  const body = await readJsonObject(req);
  const command = body["command"];
  if (typeof command !== "string" || command.trim() === "") {
    throw new HttpError(400, "command must be a non-empty string");
  }
  if (command.length > MAX_COMMAND_LENGTH || command.includes("\0"))
    throw new HttpError(400, "invalid command");
  const t = body["timeout_secs"] ?? DEFAULT_TIMEOUT_SECS;
  if (typeof t !== "number" || !Number.isFinite(t) || t <= 0 || t > MAX_TIMEOUT_SECS) {
    throw new HttpError(400, `timeout_secs must be a number in (0, ${MAX_TIMEOUT_SECS}]`);
  }
  const r = await d.exec(command, Math.round(t * 1000));
  const result = { exit_code: r.exit_code, stdout: r.stdout, stderr: r.stderr, duration_ms: r.duration_ms };
  if (r.timed_out) return json({ error: `command timed out after ${t} s`, ...result }, 408);
  return json(result);
};
