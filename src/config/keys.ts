/** `config get/set` on dotted keys (`timeouts.ssh_login`, `digitalocean.token`). */
import type { Document } from "yaml";
import { z } from "zod";
import { ConfigError } from "../core/errors.ts";
import { allKeys, leafSchema } from "./schema.ts";

export function assertKnownKey(key: string): z.ZodType {
  const leaf = leafSchema(key);
  if (!leaf || leaf instanceof z.ZodObject) {
    throw new ConfigError("config_unknown_key", `Unknown config key: ${JSON.stringify(key)}`, {
      hint: `Known keys: ${allKeys().join(", ")}`,
    });
  }
  return leaf;
}

/**
 * Convert command-line text to the type the key holds, so `forward_agent false` is a boolean and
 * `tools docker,node` a list.
 */
export function coerceValue(key: string, text: string): unknown {
  const leaf = assertKnownKey(key);
  if (leaf instanceof z.ZodBoolean) {
    if (/^(true|yes|on|1)$/i.test(text)) return true;
    if (/^(false|no|off|0)$/i.test(text)) return false;
    throw new ConfigError(
      "config_invalid",
      `${key}: ${JSON.stringify(text)} is not valid (allowed: true, false)`,
    );
  }
  // Lists (`tools`, `ai_tools`) from the command line: comma-separated; "none" or "" is empty.
  if (leaf instanceof z.ZodArray) {
    const t = text.trim();
    return t === "" || t === "none"
      ? []
      : t
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean);
  }
  return text;
}

export function setKey(doc: Document, key: string, value: unknown): void {
  doc.setIn(key.split("."), value);
}

export function unsetKey(doc: Document, key: string): void {
  assertKnownKey(key);
  doc.deleteIn(key.split("."));
}

export function getKey(obj: unknown, key: string): unknown {
  let cur: unknown = obj;
  for (const seg of key.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}
