/**
 * Everything a command may reach, built once in main.ts. Expensive parts (config parsing with
 * zod, SQLite) are loaded on first use, so `--help`/`--version` never pay for them.
 */
import type { LoadedConfig } from "../config/file.ts";
import type { Settings } from "../config/resolve.ts";
import type { ProviderName } from "../config/schema.ts";
import { readConfigFast, writeConfigCache } from "../config/validated-cache.ts";
import { type Clock, systemClock } from "../core/clock.ts";
import type { IO } from "../core/io.ts";
import { createLogger, type Logger, type LogLevel } from "../core/log.ts";
import { type Paths, resolvePaths } from "../core/paths.ts";
import type { InstanceStore } from "../state/instances.ts";
import { BUILD_ID } from "../version.ts";

export interface Deps {
  io: IO;
  env: NodeJS.ProcessEnv;
  clock: Clock;
  paths: Paths;
  log: Logger;
  /**
   * --json: stdout holds exactly one JSON document (or NDJSON events); errors go to stderr as JSON.
   * Set from the parsed options of the command being run (program.ts), before its run starts.
   */
  json: boolean;
  /** The config file as parsed, with its YAML document for edits (cached). */
  config(): Promise<LoadedConfig>;
  /** Effective settings: config + env + defaults (+ a provider override from a flag). */
  settings(overrides?: { provider?: ProviderName }): Promise<Settings>;
  /** The state database, opened and migrated on first use (cached). */
  state(): Promise<InstanceStore>;
  /** The state database if this command already opened it, else undefined (never opens it). */
  openState(): InstanceStore | undefined;
  /** Release resources (close the database). */
  close(): void;
}

export interface DepsOptions {
  io: IO;
  env: NodeJS.ProcessEnv;
  logLevel: LogLevel;
  /** Tests that call a command's run directly set it here; the CLI sets it from parsed options. */
  json?: boolean;
  clock?: Clock;
  /** The build whose validated config copy may be used; null: never (tests of the full read). */
  buildId?: string | null;
}

export function createDeps(opts: DepsOptions): Deps {
  const buildId = opts.buildId === undefined ? BUILD_ID : (opts.buildId ?? undefined);
  const clock = opts.clock ?? systemClock;
  const paths = resolvePaths(opts.env);
  const log = createLogger(opts.io.err, opts.logLevel, () => clock.now());
  let loaded: Promise<LoadedConfig> | undefined;
  let store: InstanceStore | undefined;

  const deps: Deps = {
    io: opts.io,
    env: opts.env,
    clock,
    paths,
    log,
    json: opts.json ?? false,
    config() {
      loaded ??= import("../config/file.ts").then(({ loadConfigFile }) => {
        const c = loadConfigFile(paths.configFile);
        log.debug("config loaded", { file: c.file, exists: c.exists });
        if (buildId && c.exists && c.text !== undefined) {
          writeConfigCache(paths.configCache, buildId, c.text, c.config);
        }
        return c;
      });
      return loaded;
    },
    async settings(overrides = {}) {
      // Settings need the values only: this build's validated copy spares loading yaml and zod.
      const fast = buildId ? readConfigFast(paths.configFile, paths.configCache, buildId) : undefined;
      if (fast)
        log.debug("config read", { file: paths.configFile, exists: fast.exists, validated_copy: true });
      const [{ config }, { resolveSettings }] = await Promise.all([
        fast ?? deps.config(),
        import("../config/resolve.ts"),
      ]);
      const s = resolveSettings(config, opts.env, overrides);
      for (const t of [...Object.values(s.tokens), s.reaperToken]) log.addSecret(t?.value);
      return s;
    },
    async state() {
      if (!store) {
        const { openInstanceStore } = await import("../state/open.ts");
        store = openInstanceStore(paths.stateDb, () => clock.now());
        log.debug("state opened", { file: paths.stateDb });
      }
      return store;
    },
    openState() {
      return store;
    },
    close() {
      store?.close();
      store = undefined;
    },
  };
  return deps;
}
