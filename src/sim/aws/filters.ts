/**
 * EC2 `Filter.N.Name` / `Filter.N.Value.M` semantics: filters AND together, a filter's values OR
 * together, values may use `*` and `?` wildcards, `tag:<key>` matches that tag's value and
 * `tag-key` any tag key. An unknown filter name is an error, as on EC2.
 */
import type { Tag } from "./state.ts";

export interface Filter {
  Name?: string;
  Values?: string[];
}

/** Filter name → the resource's values for it (several for tag-key, groups, …). */
export type FilterFields = Record<string, (string | undefined)[]>;

export class FilterError extends Error {}

export function tagFields(tags: Tag[]): FilterFields {
  const out: FilterFields = { "tag-key": tags.map((t) => t.Key), "tag-value": tags.map((t) => t.Value) };
  for (const t of tags) out[`tag:${t.Key}`] = [t.Value];
  return out;
}

/**
 * `known` lists the filter names this resource type supports (tag filters always are).
 * Throws FilterError for a filter EC2 would reject.
 */
export function matches(
  filters: Filter[] | undefined,
  fields: FilterFields,
  known: readonly string[],
): boolean {
  for (const f of filters ?? []) {
    const name = f.Name ?? "";
    const isTag = name.startsWith("tag:") || name === "tag-key" || name === "tag-value";
    if (!isTag && !known.includes(name)) throw new FilterError(`The filter '${name}' is invalid`);
    const have = (fields[name] ?? []).filter((v): v is string => v !== undefined);
    const wanted = f.Values ?? [];
    if (!wanted.some((w) => have.some((h) => wildcard(w).test(h)))) return false;
  }
  return true;
}

const compiled = new Map<string, RegExp>();

function wildcard(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (!re) {
    const body = pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".");
    re = new RegExp(`^${body}$`, "s");
    compiled.set(pattern, re);
  }
  return re;
}
