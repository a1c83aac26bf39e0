/**
 * spuff-agent entry point. Runs on the VM under the distro's Node (≥18): Node built-ins only.
 *   spuff-agent --version        print the version
 *   spuff-agent --check-config   validate the token file and agent.json, exit 0/1
 *   spuff-agent                  run the HTTP server on 127.0.0.1:$SPUFF_AGENT_PORT (7575)
 */
import { VERSION } from "../version.ts";
import { AgentConfigError, loadSettings, loadToken } from "./config.ts";
import { readEnvConfig } from "./env-config.ts";
import { runServer } from "./run-server.ts";

function main(argv: string[]): number {
  if (argv.includes("--version") || argv.includes("-V")) {
    process.stdout.write(`spuff-agent ${VERSION}\n`);
    return 0;
  }
  const unknown = argv.filter((a) => a !== "--check-config");
  if (unknown.length > 0) {
    process.stderr.write(
      `spuff-agent: unknown argument ${unknown[0]}\nusage: spuff-agent [--version | --check-config]\n`,
    );
    return 2;
  }
  const cfg = readEnvConfig(process.env);
  const checkOnly = argv.includes("--check-config");
  try {
    if (checkOnly) {
      loadToken(process.env, cfg.envFile);
      const s = loadSettings(cfg.settingsFile, Date.now(), true);
      process.stdout.write(
        `config ok: token present; idle_timeout_seconds=${s.idle_timeout_seconds} max_lifetime_seconds=${s.max_lifetime_seconds} teardown=${s.teardown} provider=${s.provider}\n`,
      );
      return 0;
    }
    runServer(cfg, VERSION);
    return 0;
  } catch (err) {
    if (!(err instanceof AgentConfigError)) throw err;
    process.stderr.write(
      `spuff-agent: ${err.message}\n${checkOnly ? "config invalid" : "spuff-agent: refusing to start"}\n`,
    );
    return 1;
  }
}

process.exitCode = main(process.argv.slice(2));
