/**
 * Diagnostic logging to stderr (never stdout), levelled by -v or SPUFF_LOG=debug|info|warn|error.
 * Every line passes through redaction: registered secret values and token-looking patterns are masked.
 */
import type { Writable } from "./io.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /**
   * Register a secret value so it never appears in any later log line. Every secret spuff holds is
   * registered where it enters the process: API and reaper tokens (Deps.settings), spuff.secrets
   * values (up), the agent token (up, and commands that talk to the agent), AWS credentials.
   */
  addSecret(value: string | undefined): void;
  readonly level: LogLevel;
}

// Header/field shapes that carry credentials even when we never registered the value.
const SECRET_PATTERNS: RegExp[] = [
  /(authorization["']?\s*[:=]\s*["']?(?:bearer|basic|aws4-hmac-sha256)\s+)[^\s"',]+/gi,
  /((?:x-spuff-token|token|secret|password|api[_-]?key|access[_-]?key)["']?\s*[:=]\s*["']?)[^\s"',&]+/gi,
];

/**
 * Values shorter than this are not masked: masking "1" or "dev" would garble every line and
 * protects nothing. Fields are logged as JSON, so a secret is masked as written and as escaped.
 */
const MIN_SECRET_LENGTH = 4;

export function redact(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const s of secrets) {
    if (s.length < MIN_SECRET_LENGTH) continue;
    for (const form of new Set([s, JSON.stringify(s).slice(1, -1)])) out = out.split(form).join("***");
  }
  for (const re of SECRET_PATTERNS) out = out.replace(re, "$1***");
  return out;
}

export function parseLogLevel(value: string | undefined): LogLevel | undefined {
  const v = value?.trim().toLowerCase();
  if (v === "debug" || v === "info" || v === "warn" || v === "error") return v;
  if (v === "trace") return "debug";
  return undefined;
}

export function createLogger(stream: Writable, level: LogLevel, now: () => number = Date.now): Logger {
  const secrets = new Set<string>();
  const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < ORDER[level]) return;
    const ts = new Date(now()).toISOString();
    const extra = fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : "";
    stream.write(redact(`${ts} ${lvl.toUpperCase().padEnd(5)} ${msg}${extra}\n`, secrets));
  };
  return {
    level,
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    addSecret: (v) => {
      if (v) secrets.add(v);
    },
  };
}
