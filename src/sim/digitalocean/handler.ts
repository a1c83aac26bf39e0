/** DigitalOcean API v2 routes over DoState: the subset spuff uses, with DO's error shapes. */
import { md5Fingerprint } from "../../providers/ssh-fingerprint.ts";
import { dropDiskImage, snapshotDisk } from "../backend.ts";
import type { SimRequest, SimResponse } from "../server.ts";
import { account, keyByIdent } from "./account.ts";
import { authenticate, permits, type ScopedToken } from "./auth.ts";
import { IMAGES, REGIONS, SIZES, sizeJson } from "./catalog.ts";
import { dropletFirewalls, enforceFirewalls, firewalls } from "./firewalls.ts";
import { actionJson, dropletJson, dropletSnapshotJson, errorBody, page, snapshotJson } from "./shapes.ts";
import type { DoState } from "./state.ts";
import { volumeRoutes } from "./volumes.ts";

const err = (status: number, id: string, message: string): SimResponse => ({
  status,
  body: errorBody(id, message),
});
const notFound = () => err(404, "not_found", "The resource you were accessing could not be found.");
const invalid = (message: string) => err(422, "unprocessable_entity", message);

type Body = Record<string, unknown>;

export interface DoAuth {
  token: string;
  scoped?: readonly ScopedToken[];
  /** The scopes the spec requires for an operation (SpecValidator.scopes). */
  scopesFor?: (method: string, path: string) => string[] | undefined;
}

export function createDoHandler(st: DoState, auth: DoAuth) {
  return async (req: SimRequest): Promise<SimResponse> => {
    const who = authenticate(req.headers.authorization, auth.token, auth.scoped ?? []);
    if (!who) return err(401, "unauthorized", "Unable to authenticate you");
    if (!permits(who, auth.scopesFor?.(req.method, req.path)))
      return err(403, "Forbidden", "You are not authorized to perform this operation");
    st.settle();
    const base = `http://${req.headers.host}`;
    const seg = req.path.split("/").filter(Boolean); // ["v2", ...]
    const [, a, b, c] = seg;
    const m = req.method;
    const body = (req.body ?? {}) as Body;

    if (a === "volumes") return volumeRoutes(st, req, seg.slice(1));
    if (a === "droplets" && !b && m === "GET") {
      const tag = req.query.get("tag_name");
      const list = [...st.droplets.values()].filter((d) => !tag || d.tags.includes(tag));
      return {
        status: 200,
        body: page(
          list.map((d) => dropletJson(st, d)),
          "droplets",
          base,
          req.path,
          req.query,
        ),
      };
    }
    if (a === "droplets" && !b && m === "POST") return createDroplet(st, body);
    // Sizes with their prices: where `spuff cost` reads DigitalOcean's droplet prices.
    if (a === "sizes" && !b && m === "GET")
      return { status: 200, body: page(SIZES.map(sizeJson), "sizes", base, req.path, req.query) };
    const at = { base, path: req.path, query: req.query };
    if (a === "firewalls") return firewalls(st, m, b, c, body, at);
    if (a === "droplets" && b) {
      const d = st.droplets.get(Number(b));
      if (!d) return notFound();
      if (c === "firewalls" && m === "GET") return dropletFirewalls(st, d, at);
      if (!c && m === "GET") return { status: 200, body: { droplet: dropletJson(st, d) } };
      if (!c && m === "DELETE") {
        st.deletions.push({ id: d.id, token: who.name, remote: req.remote });
        st.droplets.delete(d.id);
        for (const f of st.firewalls.values()) f.dropletIds = f.dropletIds.filter((x) => x !== d.id);
        // DO detaches a destroyed droplet's volumes; their data stays.
        for (const v of st.volumes.values()) v.dropletIds = v.dropletIds.filter((x) => x !== d.id);
        for (const a of st.actions.values()) if (a.volumeId && a.dropletId === d.id) a.done = true;
        const destroy = () => st.backend.destroy(String(d.id));
        // The droplet deleting itself (its agent's reaper) hears the 204 before its machine
        // stops; any other caller gets it once the machine is gone, so nothing is left after.
        if (req.remote === d.ip) return { status: 204, afterSend: destroy };
        await destroy();
        return { status: 204 };
      }
      if (c === "actions" && m === "POST") {
        if (body.type !== "snapshot") return invalid(`Action ${String(body.type)} is not simulated.`);
        const pending = [...st.actions.values()].some((x) => x.dropletId === d.id && !x.done);
        if (pending) return invalid("Droplet already has a pending event.");
        const id = st.nextId();
        const action = {
          id,
          type: "snapshot",
          startedAt: st.timeline.now(),
          dropletId: d.id,
          region: d.region,
          done: false,
        };
        // With a machine backend the disk is saved now (the action completes on the timeline).
        const backendImage = await snapshotDisk(st.backend, String(d.id));
        st.actions.set(id, {
          ...action,
          snapshotName: String(body.name ?? `${d.name}-${id}`),
          ...(backendImage ? { backendImage } : {}),
        });
        return { status: 201, body: { action: actionJson(action, st.timeline.now()) } };
      }
      if (c === "snapshots" && m === "GET") {
        const snaps = [...st.snapshots.values()].filter((s) => s.dropletId === d.id).map(dropletSnapshotJson);
        return { status: 200, body: page(snaps, "snapshots", base, req.path, req.query) };
      }
    }
    if (a === "actions" && b && m === "GET") {
      const act = st.actions.get(Number(b));
      return act ? { status: 200, body: { action: actionJson(act, st.timeline.now()) } } : notFound();
    }
    if (a === "snapshots" && !b && m === "GET") {
      const type = req.query.get("resource_type");
      const snaps = type === "volume" ? [] : [...st.snapshots.values()].map(snapshotJson);
      return { status: 200, body: page(snaps, "snapshots", base, req.path, req.query) };
    }
    if (a === "snapshots" && b && m === "DELETE") {
      const s = st.snapshots.get(Number(b));
      if (!s) return notFound();
      st.snapshots.delete(s.id);
      await dropDiskImage(st.backend, s.backendImage);
      for (const d of st.droplets.values()) d.snapshotIds = d.snapshotIds.filter((x) => x !== s.id);
      return { status: 204 };
    }
    if (a === "account" && b === "keys" && !c && m === "GET") {
      return { status: 200, body: page([...st.keys.values()], "ssh_keys", base, req.path, req.query) };
    }
    if (a === "account" && b === "keys" && !c && m === "POST") return createKey(st, body);
    if (a === "account" && b === "keys" && c && !seg[4]) return keyByIdent(st, m, c, body, err);
    if (a === "account" && !b && m === "GET") return account();
    return notFound();
  };
}

async function createDroplet(st: DoState, body: Body): Promise<SimResponse> {
  if (!SIZES.some((s) => s.slug === body.size))
    return invalid("You specified an invalid size for Droplet creation.");
  if (!REGIONS.some((r) => r.slug === body.region))
    return invalid("You specified an invalid region for Droplet creation.");
  const base = IMAGES.find((i) => i.slug === body.image || i.id === body.image);
  const snap = typeof body.image === "number" ? st.snapshots.get(body.image) : undefined;
  if (!base && !snap) return invalid("You specified an invalid image for Droplet creation.");
  const keys = (body.ssh_keys as number[] | undefined) ?? [];
  if (keys.some((k) => !st.keys.has(Number(k))))
    return invalid("You specified an invalid ssh key for Droplet creation.");
  const id = st.nextId();
  const { ip } = await st.backend.create(String(body.user_data ?? ""), String(id), snap?.backendImage);
  const image = base
    ? { id: base.id, slug: base.slug, name: base.name, distribution: base.distribution, type: "base" }
    : { id: snap?.id ?? 0, slug: null, name: snap?.name ?? "", distribution: "Ubuntu", type: "snapshot" };
  st.droplets.set(id, {
    id,
    name: String(body.name),
    region: String(body.region),
    size: String(body.size),
    image,
    tags: (body.tags as string[] | undefined) ?? [],
    userData: String(body.user_data ?? ""),
    sshKeys: keys.map(Number),
    createdAt: st.timeline.now(),
    ip,
    snapshotIds: [],
  });
  const d = st.droplets.get(id);
  // The firewalls that already cover its tags apply before the create is answered.
  if (d) await enforceFirewalls(st, d);
  return { status: 202, body: { droplet: d && dropletJson(st, d), links: { actions: [] } } };
}

function createKey(st: DoState, body: Body): SimResponse {
  const pub = String(body.public_key ?? "").trim();
  const fingerprint = md5Fingerprint(pub);
  if (!fingerprint) return invalid("Key invalid, key should be of the format `type key [comment]`");
  if ([...st.keys.values()].some((k) => k.fingerprint === fingerprint))
    return invalid("SSH Key is already in use on your account");
  const id = st.nextId();
  const key = { id, name: String(body.name ?? ""), public_key: pub, fingerprint };
  st.keys.set(id, key);
  return { status: 201, body: { ssh_key: key } };
}
