/**
 * The spuff entry point: the only place that reads process.argv, chooses the log level and exits.
 * Everything else receives a Deps value and throws typed errors.
 */
import path from "node:path";
import { CommanderError } from "commander";
import { writeCrashReport } from "./cli/crash-report.ts";
import { createDeps } from "./cli/deps.ts";
import { printKeptNotices } from "./cli/kept-notice.ts";
import { buildProgram } from "./cli/program.ts";
import { reapAfterCommand } from "./cli/reap-hook.ts";
import { renderError } from "./cli/render-error.ts";
import { ExitCode, toSpuffError, UsageError } from "./core/errors.ts";
import { processIO } from "./core/io.ts";
import { parseLogLevel } from "./core/log.ts";
import { VERSION } from "./version.ts";

async function main(argv: string[]): Promise<number> {
  const env = process.env;
  const io = processIO(env);
  // The log level is needed before commander runs, so -v is peeked at; --json comes from the
  // parsed options (program.ts sets deps.json). Anything after `--` belongs to a remote command
  // (spuff exec), not to spuff.
  const own = argv.includes("--") ? argv.slice(0, argv.indexOf("--")) : argv;
  const verbose = own.includes("-v") || own.includes("--verbose");
  const logLevel = verbose ? "debug" : (parseLogLevel(env.SPUFF_LOG) ?? "warn");
  const deps = createDeps({ io, env, logLevel });
  if (argv[0] === "__complete") {
    // Shell completion (commands/completion.ts): answers before commander sees words like --help.
    const { runComplete } = await import("./commands/completion.ts");
    await runComplete(deps, argv.slice(1));
    return ExitCode.ok; // it opens nothing that needs closing (state.db is read and closed)
  }

  const onSignal = () => {
    // Commands that own resources install their own handlers; a bare Ctrl-C here just exits.
    if (process.listenerCount("SIGINT") <= 1) process.exit(ExitCode.cancelled);
  };
  process.on("SIGINT", onSignal);
  const program = buildProgram(deps, argv);
  try {
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : ExitCode.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return ExitCode.ok; // --help, --version
      const message = err.message.replace(/^error:\s*/i, "");
      // Commander stopped before any run, maybe before it reached --json (an unknown command, a bad
      // value earlier on the line), so there are no parsed options: the words before `--` are all
      // there is to go by. Every other path reads deps.json, set from the parsed options.
      const json = own.includes("--json");
      renderError(io, new UsageError(message, { hint: "Run `spuff --help` (or `spuff COMMAND --help`)." }), {
        json,
        verbose,
      });
      return ExitCode.usage;
    }
    const e = toSpuffError(err);
    const crashReport = (bug: typeof e) =>
      writeCrashReport(bug, {
        dir: path.join(deps.paths.configDir, "crash"),
        now: new Date(deps.clock.now()),
        version: VERSION,
        pid: process.pid,
      });
    renderError(io, e, { json: deps.json, verbose, crashReport });
    return e.exitCode;
  } finally {
    // The deadline reaper: free unless the command opened state and something is past due.
    await reapAfterCommand(deps);
    // Machines kept running for unsaved work: one line each, from local files only.
    printKeptNotices(deps);
    deps.close();
    process.off("SIGINT", onSignal);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`spuff: unexpected failure: ${err?.stack ?? err}\n`);
    process.exitCode = ExitCode.internal;
  },
);
