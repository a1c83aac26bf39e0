/**
 * Reading and writing config.yaml. Reads refuse a group/world-readable file that holds a token;
 * writes are atomic and always 0600, and an edit is validated before the file is replaced,
 * so a rejected `config set` leaves the file byte-for-byte unchanged.
 */
import YAML, { type Document } from "yaml";
import { ConfigError } from "../core/errors.ts";
import { writeFileAtomic } from "../core/fs-atomic.ts";
import { readWithMode } from "../core/read-with-mode.ts";
import { configIssuesError } from "./issues.ts";
import { type ConfigFile, configFileSchema } from "./schema.ts";
import { hasSecret } from "./secret-keys.ts";

export interface LoadedConfig {
  file: string;
  exists: boolean;
  config: ConfigFile;
  /** The parsed document, kept so edits preserve the user's comments and order. */
  doc: Document;
  /** The bytes read (as text): the validated copy is keyed by them. */
  text?: string;
}

export function parseConfigText(file: string, text: string): { doc: Document; config: ConfigFile } {
  const doc = YAML.parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError("config_yaml", `${file} is not valid YAML: ${doc.errors[0]?.message}`, {
      hint: "Fix the file with `spuff config edit`.",
    });
  }
  const raw = doc.toJS() ?? {};
  if (typeof raw !== "object" || Array.isArray(raw)) {
    throw new ConfigError("config_yaml", `${file} must hold a mapping of keys to values`);
  }
  const result = configFileSchema.safeParse(raw);
  if (!result.success) throw configIssuesError(file, result.error.issues, raw);
  return { doc, config: result.data };
}

export function loadConfigFile(file: string): LoadedConfig {
  let text: string;
  let mode: number;
  try {
    ({ text, mode } = readWithMode(file));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { file, exists: false, config: {}, doc: new YAML.Document({}) };
    throw new ConfigError("config_unreadable", `Cannot read ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const parsed = parseConfigText(file, text);
  if ((mode & 0o077) !== 0 && hasSecret(parsed.config)) {
    throw new ConfigError(
      "config_insecure",
      `${file} holds an API token but is readable by other users (mode ${(mode & 0o777).toString(8).padStart(4, "0")})`,
      { hint: `Run: chmod 600 ${file}` },
    );
  }
  return { file, exists: true, text, ...parsed };
}

/** Validate a document and write it atomically with mode 0600. */
export function saveConfigDoc(file: string, doc: Document): ConfigFile {
  const text = doc.toString({ lineWidth: 0 });
  const { config } = parseConfigText(file, text);
  writeFileAtomic(file, text, 0o600);
  return config;
}
