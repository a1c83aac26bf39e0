/** Turn schema issues into one message that names the file, each key, and what is allowed there. */
import type { z } from "zod";
import { ConfigError } from "../core/errors.ts";
import { keysAt as configKeysAt } from "./schema.ts";

/** What differs between the files checked this way (config.yaml, spuff.yaml): keys and next step. */
export interface IssueContext {
  keysAt: (path: readonly (string | number)[]) => string[] | undefined;
  hint: string;
}

const CONFIG_CONTEXT: IssueContext = {
  keysAt: configKeysAt,
  hint: "Fix the file with `spuff config edit` or `spuff config set KEY VALUE`.",
};

function describeIssue(issue: z.core.$ZodIssue, input: unknown, keysAt = configKeysAt): string {
  const key = issue.path.join(".");
  const got = valueAt(input, issue.path);
  const shown = got === undefined ? "" : ` ${JSON.stringify(got)}`;
  switch (issue.code) {
    case "unrecognized_keys": {
      const allowed = keysAt(issue.path.map((k) => String(k))) ?? [];
      const where = key ? `in ${key}: ` : "";
      return `${where}unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => JSON.stringify(k)).join(", ")} (allowed: ${allowed.join(", ")})`;
    }
    case "invalid_value":
      return `${key}:${shown} is not allowed (allowed: ${issue.values.map((v) => String(v)).join(", ")})`;
    case "invalid_type":
      return `${key}:${shown} is not valid (expected ${issue.expected})`;
    default:
      return `${key}:${shown} is not valid (${issue.message})`;
  }
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = input;
  for (const seg of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  return typeof cur === "object" ? undefined : cur;
}

export function configIssuesError(
  file: string,
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
  ctx: IssueContext = CONFIG_CONTEXT,
): ConfigError {
  const describe = (i: z.core.$ZodIssue) => describeIssue(i, input, ctx.keysAt);
  const lines = issues.map((i) => `  - ${describe(i)}`);
  return new ConfigError("config_invalid", `Invalid configuration in ${file}:\n${lines.join("\n")}`, {
    hint: ctx.hint,
    details: {
      file,
      issues: issues.map((i) => ({ key: i.path.join("."), message: describe(i) })),
    },
  });
}
