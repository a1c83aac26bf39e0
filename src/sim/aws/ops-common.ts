/** What every simulated EC2 operation shares: its context, EC2-style failures, paging, tags. */
import { type Filter, type FilterFields, matches } from "./filters.ts";
import type { AwsState, Tag } from "./state.ts";

export interface OpContext {
  st: AwsState;
  /** From the request's SigV4 credential scope, as a regional endpoint would imply it. */
  region: string;
}

/** Decoded input: model member names → typed values (see query.ts). */
export type Input = Record<string, unknown>;

export type Output = Record<string, unknown> | undefined;

export type Op = (ctx: OpContext, input: Input) => Output | Promise<Output>;

export class Ec2Fault extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export function fail(code: string, message: string, status = 400): never {
  throw new Ec2Fault(code, message, status);
}

export const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
export const opt = (v: unknown): string | undefined => (v === undefined ? undefined : String(v));

/** Tags requested for one resource type in TagSpecifications (EC2 rejects unknown types per call). */
export function tagsFor(input: Input, resourceType: string, allowed: readonly string[]): Tag[] {
  const specs = (input.TagSpecifications as { ResourceType?: string; Tags?: Tag[] }[] | undefined) ?? [];
  const out: Tag[] = [];
  for (const s of specs) {
    if (!s.ResourceType || !allowed.includes(s.ResourceType))
      fail(
        "InvalidParameterValue",
        `'${s.ResourceType ?? ""}' is not a valid taggable resource type for this operation.`,
      );
    if (s.ResourceType === resourceType) for (const t of s.Tags ?? []) out.push(checkTag(t));
  }
  return out;
}

export function checkTag(t: Partial<Tag>): Tag {
  const Key = t.Key ?? "";
  if (!Key || Key.length > 128) fail("InvalidParameterValue", "Tag keys must be 1 to 128 characters.");
  if (Key.toLowerCase().startsWith("aws:"))
    fail("InvalidParameterValue", "Tag keys starting with 'aws:' are reserved.");
  if ((t.Value ?? "").length > 256)
    fail("InvalidParameterValue", "Tag values may be at most 256 characters.");
  return { Key, Value: t.Value ?? "" };
}

/** Sets (or replaces) tags by key, as CreateTags does. */
export function mergeTags(into: Tag[], tags: Tag[]): void {
  for (const t of tags) {
    const i = into.findIndex((x) => x.Key === t.Key);
    if (i >= 0) into[i] = t;
    else into.push(t);
  }
}

/**
 * One page of `items` for MaxResults/NextToken. Without MaxResults EC2 answers everything at
 * once; with it, 5…1000 per page. The token is opaque and tied to the operation.
 */
export function page<T>(items: T[], input: Input, op: string): { items: T[]; NextToken?: string } {
  const max = input.MaxResults as number | undefined;
  const token = input.NextToken as string | undefined;
  if (max === undefined && token === undefined) return { items };
  if (max !== undefined && (max < 5 || max > 1000))
    fail(
      "InvalidParameterValue",
      `Value ( ${max} ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.`,
    );
  let offset = 0;
  if (token !== undefined) {
    const m = /^(\w+):(\d+)$/.exec(Buffer.from(token, "base64url").toString("utf8"));
    if (!m || m[1] !== op || Number(m[2]) > items.length)
      fail("InvalidParameterValue", "Invalid value for nextToken.");
    offset = Number(m[2]);
  }
  const size = max ?? 1000;
  const end = offset + size;
  return {
    items: items.slice(offset, end),
    ...(end < items.length ? { NextToken: Buffer.from(`${op}:${end}`).toString("base64url") } : {}),
  };
}

/** EC2 refuses explicit ids together with paging. */
export function refuseIdsWithPaging(ids: string[], input: Input, idsName: string): void {
  if (ids.length > 0 && input.MaxResults !== undefined)
    fail(
      "InvalidParameterCombination",
      `The parameter ${idsName} cannot be used with the parameter maxResults`,
    );
}

/** The common tail of a Describe call: apply Filter.N, then cut one page. */
export function filterPage<T>(
  pool: T[],
  input: Input,
  op: string,
  fields: (item: T) => FilterFields,
  known: readonly string[],
): { items: T[]; NextToken?: string } {
  const filters = input.Filters as Filter[] | undefined;
  return page(
    pool.filter((x) => matches(filters, fields(x), known)),
    input,
    op,
  );
}

export const nextToken = (p: { NextToken?: string }) => (p.NextToken ? { NextToken: p.NextToken } : {});
