/**
 * One closed set of error classes. Every expected failure is a SpuffError with a user message,
 * an optional hint (the next step) and a stable exit code; only src/main.ts turns them into exits.
 */

/** Stable exit codes: scripts may rely on these. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  config: 3,
  auth: 4,
  notFound: 5,
  state: 6,
  provider: 7,
  timeout: 8,
  ssh: 9,
  internal: 70,
  cancelled: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface SpuffErrorOptions {
  hint?: string;
  cause?: unknown;
  /** Extra machine-readable fields for --json error output. */
  details?: Record<string, unknown>;
}

// Lazily loaded modules are separate bundles, each with its own copy of these classes, so
// identity is checked with a registry-wide symbol rather than instanceof alone.
const BRAND = Symbol.for("spuff.error");

/** True for any SpuffError, whichever bundle created it. */
export function isSpuffError(err: unknown): err is SpuffError {
  return err instanceof SpuffError || (typeof err === "object" && err !== null && BRAND in err);
}

export class SpuffError extends Error {
  readonly [BRAND] = true;
  /** Stable, machine-readable identifier (snake_case). */
  readonly code: string;
  readonly exitCode: ExitCodeValue;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, exitCode: ExitCodeValue, options: SpuffErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
    this.hint = options.hint;
    this.details = options.details;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint ? { hint: this.hint } : {}),
      ...(this.details ? { details: this.details } : {}),
      exit_code: this.exitCode,
    };
  }
}

/** Bad command-line usage: wrong flags, missing arguments. */
export class UsageError extends SpuffError {
  constructor(message: string, options: SpuffErrorOptions = {}) {
    super("usage", message, ExitCode.usage, options);
  }
}

/** A user-fixable problem that is not about usage (missing key file, instance in the wrong state…). */
export class UserError extends SpuffError {
  constructor(code: string, message: string, options: SpuffErrorOptions = {}) {
    super(code, message, ExitCode.failure, options);
  }
}

/** Configuration file missing, unreadable, insecure or invalid. */
export class ConfigError extends SpuffError {
  constructor(code: string, message: string, options: SpuffErrorOptions = {}) {
    super(code, message, ExitCode.config, options);
  }
}

/** Local state database could not be used. */
export class StateError extends SpuffError {
  constructor(code: string, message: string, options: SpuffErrorOptions = {}) {
    super(code, message, ExitCode.state, options);
  }
}

export class NotFoundError extends SpuffError {
  constructor(noun: string, id: string, options: SpuffErrorOptions = {}) {
    super("not_found", `${noun} not found: ${JSON.stringify(id)}`, ExitCode.notFound, options);
  }
}

export class TimeoutError extends SpuffError {
  constructor(operation: string, elapsedMs: number, options: SpuffErrorOptions = {}) {
    super(
      "timeout",
      `Timed out after ${(elapsedMs / 1000).toFixed(1)}s: ${operation}`,
      ExitCode.timeout,
      options,
    );
  }
}

/** The user interrupted (Ctrl-C) or declined a confirmation. */
export class CancelledError extends SpuffError {
  constructor(message = "Cancelled", options: SpuffErrorOptions = {}) {
    super("cancelled", message, ExitCode.cancelled, options);
  }
}

/** A bug: something that should not happen. Printed with a request to report it. */
export class InternalError extends SpuffError {
  constructor(message: string, options: SpuffErrorOptions = {}) {
    super("internal", message, ExitCode.internal, {
      hint: "This is a bug in spuff. Re-run with -v and report the output.",
      ...options,
    });
  }
}

/** Wrap anything thrown into a SpuffError so the top level has one shape to print. */
export function toSpuffError(err: unknown): SpuffError {
  if (isSpuffError(err)) return err;
  if (err instanceof Error) return new InternalError(err.message, { cause: err });
  return new InternalError(String(err));
}
