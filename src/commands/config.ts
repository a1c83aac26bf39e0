/** `spuff config show|get|set|unset|edit|path`. */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Deps } from "../cli/deps.ts";
import { parseConfigText, saveConfigDoc } from "../config/file.ts";
import { assertKnownKey, coerceValue, getKey, setKey, unsetKey } from "../config/keys.ts";
import { SECRET_KEYS } from "../config/secret-keys.ts";
import { maskSecrets, settingsView } from "../config/view.ts";
import { ConfigError, UsageError, UserError } from "../core/errors.ts";
import { printJson } from "../core/io.ts";
import { readStdinText } from "../core/stdin.ts";
import { isTokenProvider } from "../providers/catalog.ts";

export async function runConfigShow(deps: Deps): Promise<void> {
  const settings = await deps.settings();
  const view = settingsView(settings, deps.paths.configFile);
  if (deps.json) return printJson(deps.io, view);
  const YAML = (await import("yaml")).default;
  deps.io.out.write(`# ${deps.paths.configFile}\n${YAML.stringify(view.settings)}`);
}

export async function runConfigGet(deps: Deps, key: string, opts: { reveal?: boolean }): Promise<void> {
  assertKnownKey(key);
  const settings = await deps.settings();
  const effective = settingsView(settings, deps.paths.configFile).settings;
  const raw = getKey(opts.reveal ? settings.file : maskSecrets(settings.file), key);
  // Prefer what the file says; fall back to the effective value (defaults, env tokens).
  let value = raw ?? getKey(effective, key);
  const provider = key.split(".")[0];
  if (opts.reveal && key.endsWith(".token") && isTokenProvider(provider)) {
    value = settings.tokens[provider]?.value ?? value;
  }
  if (deps.json) return printJson(deps.io, { key, value: value ?? null });
  if (value === undefined || value === null) {
    throw new UserError("config_unset", `${key} is not set`, {
      hint: `Set it with: spuff config set ${key} ${(SECRET_KEYS as readonly string[]).includes(key) ? "- < FILE" : "VALUE"}`,
    });
  }
  deps.io.out.write(`${typeof value === "object" ? JSON.stringify(value) : String(value)}\n`);
}

export async function runConfigSet(deps: Deps, key: string, text: string): Promise<void> {
  // A token in argv lands in shell history and in every process listing: take it from stdin only.
  if ((SECRET_KEYS as readonly string[]).includes(key) && text !== "-") {
    throw new UsageError(`${key} is a secret: it is not taken from the command line (shell history, ps)`, {
      hint: `Pipe it in: spuff config set ${key} - < token.txt (or paste it after \`spuff config set ${key} -\`, then Ctrl-D), or set it in the environment instead of the config file.`,
    });
  }
  const value = coerceValue(key, text === "-" ? await readStdinText() : text);
  const { doc } = await deps.config();
  const before = doc.clone();
  setKey(before, key, value);
  // saveConfigDoc validates the whole document first: on any error the file is not touched.
  saveConfigDoc(deps.paths.configFile, before);
  const shown = (SECRET_KEYS as readonly string[]).includes(key) ? "(secret)" : JSON.stringify(value);
  deps.log.info("config updated", { key });
  deps.io.err.write(`Set ${key} = ${shown} in ${deps.paths.configFile}\n`);
}

export async function runConfigUnset(deps: Deps, key: string): Promise<void> {
  const { doc } = await deps.config();
  const next = doc.clone();
  unsetKey(next, key);
  saveConfigDoc(deps.paths.configFile, next);
  deps.io.err.write(`Unset ${key} in ${deps.paths.configFile}\n`);
}

export async function runConfigEdit(deps: Deps): Promise<void> {
  const file = deps.paths.configFile;
  const current = await deps.config(); // refuses an insecure or invalid file before opening the editor
  const editor = deps.env.VISUAL || deps.env.EDITOR || "vi";
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-config-"));
  const tmp = path.join(dir, "config.yaml");
  try {
    fs.writeFileSync(tmp, current.exists ? current.doc.toString({ lineWidth: 0 }) : "# spuff config\n", {
      mode: 0o600,
    });
    const res = spawnSync(editor, [tmp], { stdio: "inherit", shell: true });
    if (res.status !== 0)
      throw new UserError("editor_failed", `The editor (${editor}) exited with ${res.status}`);
    const { doc } = parseConfigText(file, fs.readFileSync(tmp, "utf8"));
    saveConfigDoc(file, doc);
    deps.io.err.write(`Saved ${file}\n`);
  } catch (err) {
    if (err instanceof ConfigError) {
      throw new ConfigError(err.code, `${err.message}\nYour edit was not saved; ${file} is unchanged.`, {
        hint: err.hint,
      });
    }
    throw err;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function runConfigPath(deps: Deps): void {
  if (deps.json) printJson(deps.io, { config_file: deps.paths.configFile, config_dir: deps.paths.configDir });
  else deps.io.out.write(`${deps.paths.configFile}\n`);
}
