/**
 * Every file spuff owns is named here. The config dir comes from SPUFF_CONFIG_DIR (default
 * ~/.config/spuff), the data dir (images, machines) from SPUFF_DATA_DIR (~/.local/share/spuff)
 * and the cache dir (what can be rebuilt at any time: compiled code) from SPUFF_CACHE_DIR (~/.cache/spuff).
 */
import os from "node:os";
import path from "node:path";

export interface Paths {
  configDir: string;
  dataDir: string;
  cacheDir: string;
  configFile: string;
  stateDb: string;
  /** OpenSSH client config with one Host block per instance, for `Include`. */
  sshConfig: string;
  /** known_hosts that only spuff writes: one pinned host key per instance. */
  knownHosts: string;
  /** Approved project files (path → digest of their exact bytes), see project/trust.ts. */
  trustedProjects: string;
  /** config.yaml as validated by this build (config/validated-cache.ts); 0600, holds what it holds. */
  configCache: string;
  instanceDir(name: string): string;
}

export function expandHome(p: string, home = os.homedir()): string {
  if (p === "~") return home;
  if (p.startsWith("~/")) return path.join(home, p.slice(2));
  return p;
}

/** Only what can be thrown away (cli/code-cache.ts): its own variable, XDG's, or ~/.cache/spuff. */
export function cacheDirOf(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.HOME || os.homedir();
  return path.resolve(
    expandHome(
      env.SPUFF_CACHE_DIR || path.join(env.XDG_CACHE_HOME || path.join(home, ".cache"), "spuff"),
      home,
    ),
  );
}

export function resolvePaths(env: NodeJS.ProcessEnv = process.env): Paths {
  const home = env.HOME || os.homedir();
  const configDir = path.resolve(
    expandHome(
      env.SPUFF_CONFIG_DIR || path.join(env.XDG_CONFIG_HOME || path.join(home, ".config"), "spuff"),
      home,
    ),
  );
  const dataDir = path.resolve(
    expandHome(
      env.SPUFF_DATA_DIR || path.join(env.XDG_DATA_HOME || path.join(home, ".local", "share"), "spuff"),
      home,
    ),
  );
  return {
    configDir,
    dataDir,
    cacheDir: cacheDirOf(env),
    configFile: path.join(configDir, "config.yaml"),
    stateDb: path.join(configDir, "state.db"),
    sshConfig: path.join(configDir, "ssh_config"),
    knownHosts: path.join(configDir, "known_hosts"),
    trustedProjects: path.join(configDir, "trusted-projects.json"),
    configCache: path.join(configDir, ".config.validated.json"),
    instanceDir: (name) => path.join(configDir, "instances", name),
  };
}
