/**
 * The `local` provider: the Provider contract on real local machines (src/machines), free and
 * offline apart from Debian's mirror. Instances are machines, snapshots are saved machine images,
 * "ready" means the machine's sshd served its banner. Backend from SPUFF_LOCAL_BACKEND
 * (nspawn, the default, or qemu); data under SPUFF_DATA_DIR.
 */
import { UserError } from "../../core/errors.ts";
import { resolvePaths } from "../../core/paths.ts";
import { MachineEngine } from "../../machines/engine.ts";
import { listImages, readImage, removeImage } from "../../machines/image.ts";
import { machineLayout } from "../../machines/layout.ts";
import { DRIVER_NAMES, type DriverName } from "../../machines/types.ts";
import type { ProviderFactoryOptions } from "../registry.ts";
import type { ImageSpec, Provider, ProviderInstance, Snapshot } from "../types.ts";
import { toInstance, toSnapshot } from "./map.ts";
import { localVolumes } from "./volumes.ts";

export function createLocalProvider(o: ProviderFactoryOptions, engine?: MachineEngine): Provider {
  const machines = engine ?? new MachineEngine({ layout: machineLayout(resolvePaths(o.env).dataDir) });
  const driver = backendFrom(o.env);

  const find = (id: string) => machines.get(id);
  const current = (id: string): ProviderInstance | undefined => {
    const m = find(id);
    return m && toInstance(m, machines.isRunning(m));
  };

  const provider: Provider = {
    name: "local",
    // No account and no credential: machines run on this host.
    async checkAccount() {
      return { account: "this machine (no account)", evidence: "nothing to check" };
    },
    async createInstance(req) {
      // Names are unique: a retried create returns the machine made the first time.
      const existing = machines.list().find((m) => m.name === req.name);
      if (existing) return toInstance(existing, machines.isRunning(existing));
      const m = await machines.create({
        name: req.name,
        userData: req.userData,
        image: imageName(req.image),
        driver,
        labels: req.labels,
      });
      return toInstance(m, machines.isRunning(m));
    },
    async destroyInstance(id) {
      await machines.destroy(id);
    },
    async getInstance(id) {
      return current(id);
    },
    async listInstances() {
      return machines.list().map((m) => toInstance(m, machines.isRunning(m)));
    },
    async waitReady(id, opts) {
      const started = Date.now();
      const m = machines.require(id);
      if (!machines.isRunning(m)) {
        throw new UserError("machine_not_running", `Local machine ${id} is not running.`, {
          hint: `See its console: ${machines.layout.machineDir(id)}/console.log`,
        });
      }
      opts.signal?.throwIfAborted();
      await machines.waitSsh(id, Math.max(1, opts.timeoutMs - (Date.now() - started)));
      return current(id) ?? toInstance(m, true);
    },
    async createSnapshot(instanceId, name) {
      const manifest = await machines.snapshot(instanceId, name);
      return toSnapshot(machines.layout, manifest);
    },
    async listSnapshots(): Promise<Snapshot[]> {
      return listImages(machines.layout)
        .filter((i) => i.kind === "snapshot")
        .map((i) => toSnapshot(machines.layout, i));
    },
    async deleteSnapshot(id) {
      const image = readImage(machines.layout, id);
      if (!image) return;
      if (image.kind !== "snapshot") {
        throw new UserError("not_a_snapshot", `${id} is a base image, not a snapshot.`, {
          hint: `Base images are removed with: spuff image rm ${id}`,
        });
      }
      removeImage(machines.layout, id);
    },
    volumes: localVolumes(machines),
  };
  return provider;
}

function imageName(image: ImageSpec): string {
  if (image.kind === "snapshot" || image.kind === "custom") return image.id;
  return `${image.kind}-${image.version}`;
}

function backendFrom(env: NodeJS.ProcessEnv): DriverName {
  const v = env.SPUFF_LOCAL_BACKEND;
  if (v === undefined || v === "") return "nspawn";
  if ((DRIVER_NAMES as readonly string[]).includes(v)) return v as DriverName;
  throw new UserError(
    "bad_local_backend",
    `SPUFF_LOCAL_BACKEND=${JSON.stringify(v)} is not a machine backend.`,
    {
      hint: `Use one of: ${DRIVER_NAMES.join(", ")}.`,
    },
  );
}
