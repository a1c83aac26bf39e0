/**
 * Key pairs, security groups, tags and regions: the account set-up spuff does once per region
 * (import the user's key, open SSH) and the generic tag/region calls awscli users reach for.
 */
import { awsFingerprint, parseOpenSshKey } from "../../providers/aws/fingerprint.ts";
import { REGIONS } from "./catalog.ts";
import { type Filter, matches } from "./filters.ts";
import {
  checkTag,
  fail,
  type Input,
  mergeTags,
  type Op,
  type OpContext,
  opt,
  strings,
  tagsFor,
} from "./ops-common.ts";
import { KEY_PAIR_FILTERS, keyPairFields, keyPairOut } from "./shapes.ts";
import type { SimKeyPair, Tag } from "./state.ts";

export const accessOps: Record<string, Op> = {
  ImportKeyPair: importKeyPair,
  DescribeKeyPairs: describeKeyPairs,
  DeleteKeyPair: deleteKeyPair,
  CreateTags: createTags,
  DescribeRegions: describeRegions,
};

const keysIn = ({ st, region }: OpContext) => [...st.keyPairs.values()].filter((k) => k.region === region);

function importKeyPair(ctx: OpContext, input: Input) {
  const name = String(input.KeyName);
  if (!/^[\x20-\x7e]{1,255}$/.test(name))
    fail("InvalidParameterValue", "Key names must be 1-255 ASCII characters.");
  if (keysIn(ctx).some((k) => k.name === name))
    fail("InvalidKeyPair.Duplicate", `The keypair '${name}' already exists.`);
  const text = Buffer.from(input.PublicKeyMaterial as Uint8Array)
    .toString("utf8")
    .trim();
  const key = parseOpenSshKey(text);
  if (!key) fail("InvalidKey.Format", "Key is not in valid OpenSSH public key format");
  const pair: SimKeyPair = {
    id: ctx.st.newId("key"),
    region: ctx.region,
    name,
    fingerprint: awsFingerprint(key),
    type: key.type,
    publicKey: text,
    createdAt: ctx.st.timeline.now(),
    tags: tagsFor(input, "key-pair", ["key-pair"]),
  };
  ctx.st.keyPairs.set(pair.id, pair);
  return { KeyFingerprint: pair.fingerprint, KeyName: name, KeyPairId: pair.id, Tags: pair.tags };
}

function describeKeyPairs(ctx: OpContext, input: Input) {
  let pool = keysIn(ctx);
  const names = strings(input.KeyNames);
  const ids = strings(input.KeyPairIds);
  for (const n of names)
    if (!pool.some((k) => k.name === n))
      fail("InvalidKeyPair.NotFound", `The key pair '${n}' does not exist`);
  for (const id of ids)
    if (!pool.some((k) => k.id === id))
      fail("InvalidKeyPair.NotFound", `The key pair ID '${id}' does not exist`);
  if (names.length > 0 || ids.length > 0)
    pool = pool.filter((k) => names.includes(k.name) || ids.includes(k.id));
  const filters = input.Filters as Filter[] | undefined;
  const hits = pool.filter((k) => matches(filters, keyPairFields(k), KEY_PAIR_FILTERS));
  return { KeyPairs: hits.map((k) => keyPairOut(k, input.IncludePublicKey === true)) };
}

/** Idempotent on EC2: deleting a key that is not there succeeds. */
function deleteKeyPair(ctx: OpContext, input: Input) {
  const name = opt(input.KeyName);
  const id = opt(input.KeyPairId);
  if (!name && !id) fail("MissingParameter", "The request must contain the parameter KeyName or KeyPairId");
  const k = keysIn(ctx).find((x) => x.name === name || x.id === id);
  if (k) ctx.st.keyPairs.delete(k.id);
  return { Return: true, ...(k ? { KeyPairId: k.id } : {}) };
}

function createTags(ctx: OpContext, input: Input): undefined {
  const tags = (input.Tags as Tag[]).map(checkTag);
  for (const id of strings(input.Resources)) {
    const target = taggable(ctx, id);
    if (!target) fail(notFoundCode(id), `The ID '${id}' does not exist`);
    mergeTags(target, tags);
  }
  return undefined;
}

function taggable({ st, region }: OpContext, id: string): Tag[] | undefined {
  const all = [st.instances, st.images, st.snapshots, st.keyPairs, st.groups] as Map<
    string,
    { region: string; tags: Tag[] }
  >[];
  for (const m of all) {
    const r = m.get(id);
    if (r && r.region === region) return r.tags;
  }
  return undefined;
}

function notFoundCode(id: string): string {
  const prefix = id.split("-")[0];
  const codes: Record<string, string> = {
    i: "InvalidInstanceID.NotFound",
    ami: "InvalidAMIID.NotFound",
    snap: "InvalidSnapshot.NotFound",
    sg: "InvalidGroup.NotFound",
    key: "InvalidKeyPair.NotFound",
  };
  return codes[prefix ?? ""] ?? "InvalidID";
}

function describeRegions(_ctx: OpContext, input: Input) {
  const wanted = strings(input.RegionNames);
  for (const r of wanted)
    if (!REGIONS.includes(r)) fail("InvalidParameterValue", `Invalid region name: ${r}`);
  const list = wanted.length > 0 ? wanted : REGIONS;
  return {
    Regions: list.map((r) => ({
      RegionName: r,
      Endpoint: `ec2.${r}.amazonaws.com`,
      OptInStatus: "opt-in-not-required",
    })),
  };
}
