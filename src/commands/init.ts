/**
 * `spuff init`: write config.yaml, interactively (@clack/prompts) or with --defaults and flags.
 * The credential is checked with the provider first (init-check.ts): a refused or unchecked one
 * leaves the config file as it was.
 */
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
  ENTRIES,
  FALLBACK_PROVIDER,
  isTokenProvider,
  PROVIDERS,
  type ProviderName,
  TOKEN_PROVIDERS,
} from "../providers/catalog.ts";
import { type CheckedCredential, checkCredential, describeCheck } from "./init-check.ts";

export interface InitOptions {
  defaults?: boolean;
  provider?: ProviderName;
  region?: string;
  size?: string;
  sshKey?: string;
  idleTimeout?: string;
  tokenStdin?: boolean;
  force?: boolean;
  /** commander's `--no-check`: false skips the credential check. */
  check?: boolean;
}

type Answers = InitOptions & { token?: string; checked?: CheckedCredential };
type Verify = (provider: ProviderName, token: string | undefined) => Promise<CheckedCredential | undefined>;

async function ask(opts: InitOptions, verify: Verify): Promise<Answers> {
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
  // Checked at once, so a mistyped token is caught before the other questions.
  const s = p.spinner();
  s.start("Checking the credential with the provider");
  let checked: CheckedCredential | undefined;
  try {
    checked = await verify(provider, token);
  } catch (err) {
    s.error("The credential check failed");
    throw err;
  }
  s.stop(checked ? describeCheck(checked) : uncheckedNote(provider, opts.check));
  const idle = bail(
    await p.text({ message: "Idle timeout", initialValue: opts.idleTimeout ?? DEFAULTS.idle_timeout }),
  );
  const key = bail(
    await p.text({ message: "SSH private key", initialValue: opts.sshKey ?? DEFAULTS.ssh_key_path }),
  );
  p.outro("Saving config");
  return {
    ...opts,
    provider,
    idleTimeout: idle,
    sshKey: key,
    ...(token ? { token } : {}),
    ...(checked ? { checked } : {}),
  };
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
  if (!opts.defaults && opts.tokenStdin) {
    throw new UsageError("--token-stdin goes with --defaults (without it, init asks for the token)");
  }
  const verify: Verify = (provider, token) =>
    opts.check === false
      ? Promise.resolve(undefined)
      : checkCredential(deps, { provider, token, region: opts.region });
  const answers: Answers = opts.defaults ? { ...opts } : await ask(opts, verify);
  const token = opts.tokenStdin ? await readStdinText() : answers.token;
  const provider = answers.provider ?? FALLBACK_PROVIDER;
  const config: ConfigFile = { provider };
  if (answers.region) config.region = answers.region;
  if (answers.size) config.size = answers.size;
  if (answers.idleTimeout) config.idle_timeout = answers.idleTimeout;
  if (answers.sshKey) config.ssh_key_path = answers.sshKey;
  if (token) {
    if (!isTokenProvider(provider)) {
      throw new UsageError(
        `--token-stdin needs --provider ${TOKEN_PROVIDERS.join(" or ")} (got ${provider})`,
      );
    }
    config[provider] = { token };
  }
  // Before anything is written: a refused or unreachable check throws and the file stays as it was.
  const checked = opts.defaults ? await verify(provider, token) : answers.checked;
  const saved = saveConfigDoc(file, new YAML.Document(config));
  const account = checked
    ? { source: checked.source, name: checked.account, evidence: checked.evidence }
    : null;
  if (deps.json) return printJson(deps.io, { file, config: maskSecrets(saved), account });
  if (opts.defaults)
    deps.io.err.write(`${checked ? describeCheck(checked) : uncheckedNote(provider, opts.check)}\n`);
  const shadow = token ? envTokenName(provider, deps.env) : undefined;
  if (shadow) deps.io.err.write(`Note: ${shadow} is set and is used instead of the saved token.\n`);
  deps.io.err.write(`Wrote ${file} (provider: ${saved.provider})\n`);
}

/** Why no account is named: nothing to check, no credential yet, or --no-check. */
function uncheckedNote(provider: ProviderName, check: boolean | undefined): string {
  if (check === false) return "Credential not checked (--no-check).";
  if (provider === "local") return "No account needed: machines run on this host.";
  const vars = ENTRIES[provider].token?.env ?? ENTRIES[provider].credentialEnv ?? [];
  return `No credential to check yet: set ${vars.join(" or ")} (or re-run \`spuff init\`) before \`spuff up\`.`;
}

/** The token variable that wins over the config file's token, if one is set. */
function envTokenName(provider: ProviderName, env: NodeJS.ProcessEnv): string | undefined {
  return ENTRIES[provider].token?.env.find((v) => env[v]);
}
