/**
 * The server operations that change state: create (booting the machine through the backend),
 * delete, power actions and create_image. Each starts a Hetzner action that the timeline finishes.
 */
import { dropDiskImage, snapshotDisk } from "../backend.ts";
import type { SimResponse } from "../server.ts";
import { findLocation, findType, SYSTEM_IMAGES } from "./catalog.ts";
import { attachAtCreate, enforceFirewalls } from "./firewalls.ts";
import { labelProblem } from "./labels.ts";
import { actionJson, errorBody, imageJson, serverJson } from "./shapes.ts";
import type { HetznerState, SimServer } from "./state.ts";

type Body = Record<string, unknown>;

/** Hetzner's documented user_data limit. */
const MAX_USER_DATA = 32 * 1024;

export const fail = (status: number, code: string, message: string, details: object | null = null) => ({
  status,
  body: errorBody(code, message, details),
});

export const invalidField = (name: string, message: string) =>
  fail(422, "invalid_input", `invalid input in field '${name}': ${message}`, {
    fields: [{ name, messages: [message] }],
  });

export function labelsProblem(labels: unknown): SimResponse | undefined {
  if (labels === undefined) return undefined;
  for (const [k, v] of Object.entries(labels as Record<string, string>)) {
    const p = labelProblem(k, v);
    if (p) return invalidField("labels", p);
  }
  return undefined;
}

export interface CreateLimits {
  maxServers: number;
}

export function createServer(st: HetznerState, body: Body, limits: CreateLimits): SimResponse {
  const name = String(body.name);
  if (!/^[a-zA-Z0-9]([a-zA-Z0-9.-]{0,61}[a-zA-Z0-9])?$/.test(name))
    return invalidField("name", "must be a valid hostname");
  if ([...st.servers.values()].some((s) => s.name === name))
    return fail(409, "uniqueness_error", "server name is already used", { fields: [{ name: "name" }] });
  const type = findType(String(body.server_type));
  if (!type) return invalidField("server_type", "server type not found");
  const location = findLocation(String(body.location ?? "fsn1"));
  if (!location) return invalidField("location", "location not found");
  if (!(location.name in type.hourly))
    return fail(412, "resource_unavailable", `server type ${type.name} is unavailable in ${location.name}`);
  const ref = String(body.image);
  const image =
    [...st.images.values()].find((i) => String(i.id) === ref) ??
    [...st.images.values()].find((i) => i.type === "system" && i.name === ref);
  if (!image || image.creating) return invalidField("image", "image not found");
  if (image.architecture !== type.architecture)
    return invalidField("image", "image architecture does not match the server type");
  const keyRefs = (body.ssh_keys as string[] | undefined) ?? [];
  const keys = keyRefs.map((r) => [...st.sshKeys.values()].find((k) => String(k.id) === r || k.name === r));
  if (keys.some((k) => !k)) return invalidField("ssh_keys", "ssh key not found");
  const userData = String(body.user_data ?? "");
  if (Buffer.byteLength(userData) > MAX_USER_DATA) return invalidField("user_data", "is too long");
  const bad = labelsProblem(body.labels);
  if (bad) return bad;
  const attach = attachAtCreate(st, body.firewalls);
  if (!("ok" in attach)) return attach;
  if (st.servers.size >= limits.maxServers)
    return fail(403, "resource_limit_exceeded", "server limit exceeded", {
      limits: [{ name: "server_limit" }],
    });

  const id = st.nextId();
  const server: SimServer = {
    id,
    name,
    location: location.name,
    serverType: type.name,
    imageId: image.id,
    labels: { ...((body.labels as Record<string, string> | undefined) ?? {}) },
    userData,
    sshKeys: keys.map((k) => k?.id ?? 0),
    createdAt: st.timeline.now(),
    ip: null,
    boot: Promise.resolve(),
    poweredOff: body.start_after_create === false,
    deleting: false,
  };
  // Firewalls passed at create cover the server from the start (applied as its public address
  // appears, before the create action can finish).
  for (const fw of attach.ok) st.firewalls.get(fw)?.appliedTo.push({ type: "server", server: { id } });
  // The backend boots the machine; the server only reports "running" once it says where.
  server.boot = st.backend.create(userData, String(id), image.backendImage).then(
    async ({ ip }) => {
      server.ip = ip;
      await enforceFirewalls(st, server).catch((err: unknown) => {
        server.bootError = `firewall: ${err instanceof Error ? err.message : String(err)}`;
      });
    },
    (err: unknown) => {
      server.bootError = err instanceof Error ? err.message : String(err);
    },
  );
  st.servers.set(id, server);
  const action = st.startAction("create_server", [{ id, type: "server" }], {
    due: () => st.serverStatus(server) !== "initializing",
    failure: () => (server.bootError ? { code: "server_error", message: server.bootError } : undefined),
  });
  return {
    status: 201,
    body: {
      server: serverJson(st, server),
      action: actionJson(action),
      next_actions: [],
      root_password: keys.length ? null : "sim-root-password",
    },
  };
}

export function deleteServer(st: HetznerState, s: SimServer): SimResponse {
  if (s.deleting) return fail(423, "locked", "server is being deleted");
  s.deleting = true;
  let destroyed = false;
  // Wait for a boot still in progress, so the backend never leaks a machine started late.
  void s.boot
    .then(() => st.backend.destroy(String(s.id)))
    .catch(() => {})
    .finally(() => {
      destroyed = true;
    });
  const action = st.startAction("delete_server", [{ id: s.id, type: "server" }], {
    due: () => destroyed && st.timeline.actionDone(action.startedAt),
    onSuccess: () => {
      st.servers.delete(s.id);
      // A deleted server leaves the firewalls it was applied to directly.
      for (const f of st.firewalls.values())
        f.appliedTo = f.appliedTo.filter((r) => r.type !== "server" || r.server.id !== s.id);
      // Deleting a server detaches its volumes; their data stays.
      for (const v of st.volumes.values()) if (v.server === s.id) v.server = null;
    },
  });
  return { status: 200, body: { action: actionJson(action) } };
}

/** What each power action leaves the server in: off, on, or as it was (a reboot). */
const POWER = { shutdown_server: true, stop_server: true, start_server: false, reboot_server: undefined };

export function powerAction(st: HetznerState, s: SimServer, command: keyof typeof POWER) {
  if (s.deleting) return fail(423, "locked", "server is being deleted");
  const off = POWER[command];
  const action = st.startAction(command, [{ id: s.id, type: "server" }], {
    onSuccess: () => {
      if (off !== undefined) s.poweredOff = off;
    },
  });
  return { status: 201, body: { action: actionJson(action) } };
}

export async function createImage(st: HetznerState, s: SimServer, body: Body): Promise<SimResponse> {
  if ((body.type ?? "snapshot") !== "snapshot")
    return invalidField("type", "backups are not enabled for this server");
  const bad = labelsProblem(body.labels);
  if (bad) return bad;
  if (st.busy(s.id) || s.deleting) return fail(423, "locked", "server is locked by a running action");
  // With a machine backend the disk is saved now, before the image exists at the API, so no
  // server can be created from it without its disk (the action completes on the timeline).
  const backendImage = await s.boot.then(() => snapshotDisk(st.backend, String(s.id)));
  if (s.deleting) {
    await dropDiskImage(st.backend, backendImage);
    return fail(423, "locked", "server is being deleted");
  }
  const source = st.images.get(s.imageId);
  const id = st.nextId();
  const image = {
    id,
    type: "snapshot" as const,
    name: null,
    description: String(body.description ?? `${s.name}-${iso8601Compact(st.timeline.now())}`),
    osFlavor: source?.osFlavor ?? ("unknown" as const),
    osVersion: source?.osVersion ?? null,
    createdAt: st.timeline.now(),
    creating: true,
    diskSize: findType(s.serverType)?.disk ?? 40,
    createdFrom: { id: s.id, name: s.name },
    labels: { ...((body.labels as Record<string, string> | undefined) ?? {}) },
    architecture: source?.architecture ?? ("x86" as const),
    ...(backendImage ? { backendImage } : {}),
  };
  st.images.set(id, image);
  const action = st.startAction(
    "create_image",
    [
      { id: s.id, type: "server" },
      { id, type: "image" },
    ],
    {
      onSuccess: () => {
        image.creating = false;
      },
    },
  );
  return { status: 201, body: { image: imageJson(image), action: actionJson(action) } };
}

const iso8601Compact = (ms: number) => new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, "");

/** The catalogue's system images, registered at start so servers can reference them by id. */
export function seedSystemImages(st: HetznerState, now: number): void {
  for (const i of SYSTEM_IMAGES) {
    st.images.set(i.id, {
      id: i.id,
      type: "system",
      name: i.name,
      description: i.description,
      osFlavor: i.os_flavor,
      osVersion: i.os_version,
      createdAt: now - 86_400_000 * 90,
      creating: false,
      diskSize: 5,
      createdFrom: null,
      labels: {},
      architecture: "x86",
    });
  }
}
