/** `spuff init`: write config.yaml, interactively (@clack/prompts) or with --defaults and flags. */
import fs from "node:fs";
import YAML from "yaml";
import type { Deps } from "../cli/deps.ts";
import { saveConfigDoc } from "../config/file.ts";
import { DEFAULTS } from "../config/resolve.ts";
import type { ConfigFile } from "../config/schema.ts";
import { maskSecrets } from "../config/view.ts";
import { CancelledError, ConfigError, UsageError } from "../core/errors.ts";
import { printJson } from "../core/io.ts";
import { readStdinText } from "../core/stdin.ts";
import {
  CATALOG,
  FALLBACK_PROVIDER,
  isTokenProvider,
  PROVIDERS,
  type ProviderName,
  TOKEN_PROVIDERS,
} from "../providers/catalog.ts";

export interface InitOptions {
  defaults?: boolean;
  provider?: ProviderName;
  region?: string;
  size?: string;
  sshKey?: string;
  idleTimeout?: string;
  tokenStdin?: boolean;
  force?: boolean;
}

async function ask(opts: InitOptions): Promise<InitOptions & { token?: string }> {
  const p = await import("@clack/prompts");
  const bail = <T>(v: T | symbol): Exclude<T, symbol> => {
    if (p.isCancel(v) || typeof v === "symbol")
      throw new CancelledError("init cancelled; nothing was written");
    return v as Exclude<T, symbol>;
  };
  p.intro("spuff init");
  const provider = bail(
    await p.select({
      message: "Provider",
      initialValue: opts.provider ?? FALLBACK_PROVIDER,
      options: PROVIDERS.map((n) => ({ value: n, label: CATALOG[n].label })),
    }),
  ) as ProviderName;
  let token: string | undefined;
  if (isTokenProvider(provider)) {
    const t = bail(
      await p.password({ message: `${provider} API token (leave empty to use the environment variable)` }),
    );
    token = t.trim() || undefined;
  }
  const idle = bail(
    await p.text({ message: "Idle timeout", initialValue: opts.idleTimeout ?? DEFAULTS.idle_timeout }),
  );
  const key = bail(
    await p.text({ message: "SSH private key", initialValue: opts.sshKey ?? DEFAULTS.ssh_key_path }),
  );
  p.outro("Saving config");
  return { ...opts, provider, idleTimeout: idle, sshKey: key, ...(token ? { token } : {}) };
}

export async function runInit(deps: Deps, opts: InitOptions): Promise<void> {
  const file = deps.paths.configFile;
  if (fs.existsSync(file) && !opts.force) {
    throw new ConfigError("config_exists", `A config already exists at ${file}`, {
      hint: "Change single settings with `spuff config set`, or re-run with --force to overwrite it.",
    });
  }
  if (!opts.defaults && !deps.io.stdinIsTTY) {
    throw new UsageError("`spuff init` needs a terminal to ask questions", {
      hint: "Use `spuff init --defaults` with flags (--provider, --region, --size, --ssh-key, --token-stdin).",
    });
  }
  const answers = opts.defaults ? { ...opts } : await ask(opts);
  const token = opts.tokenStdin ? await readStdinText() : (answers as { token?: string }).token;
  const config: ConfigFile = { provider: answers.provider ?? FALLBACK_PROVIDER };
  if (answers.region) config.region = answers.region;
  if (answers.size) config.size = answers.size;
  if (answers.idleTimeout) config.idle_timeout = answers.idleTimeout;
  if (answers.sshKey) config.ssh_key_path = answers.sshKey;
  if (token) {
    if (!isTokenProvider(config.provider)) {
      throw new UsageError(
        `--token-stdin needs --provider ${TOKEN_PROVIDERS.join(" or ")} (got ${config.provider})`,
      );
    }
    config[config.provider] = { token };
  }
  const saved = saveConfigDoc(file, new YAML.Document(config));
  if (deps.json) return printJson(deps.io, { file, config: maskSecrets(saved) });
  deps.io.err.write(`Wrote ${file} (provider: ${saved.provider})\n`);
}
