/**
 * A simulator backend that boots a real local machine (src/machines) for each simulated
 * instance, from exactly the user-data the client sent. The instance turns ready only once the
 * machine's sshd has served its banner; a background watcher checks that (bounded in time).
 *
 * Unlike a local machine, an nspawn guest here reaches the host's loopback (10.0.2.2 → 127.0.0.1),
 * leaving from its own 127.0.0.N: a cloud VM reaches its provider's API and metadata service, and
 * the simulators serve both on loopback and tell machines apart by that source address.
 *
 * Sim nspawn machines run in their own user namespace like local ones (guest root is not host
 * root). The one exception is `volumeDevices` (test infrastructure, volume-devices.ts): volumes
 * become real block devices, which a userns guest cannot mount, so those machines boot without one.
 */

import { randomBytes } from "node:crypto";
import path from "node:path";
import { MachineEngine } from "../machines/engine.ts";
import { assertHostCanRun } from "../machines/host.ts";
import { DEFAULT_IMAGE, removeImage, requireImage } from "../machines/image.ts";
import { machineLayout } from "../machines/layout.ts";
import { createNspawnDriver } from "../machines/nspawn.ts";
import { setHostForwards } from "../machines/slirp.ts";
import type { DriverName } from "../machines/types.ts";
import type { MachineBackend } from "./backend.ts";
import { loopVolumeDevices, volumeBackendMethods } from "./volume-devices.ts";

export interface RealMachineBackendOptions {
  driver: DriverName;
  dataDir: string;
  image?: string;
  /** Give up waiting for a machine's sshd after this long (qemu under TCG needs ~1 min). */
  bootTimeoutMs?: number;
  /** How often to look for machines that stopped on their own. */
  stopPollMs?: number;
  engine?: MachineEngine;
  /**
   * TEST INFRASTRUCTURE: attached volumes are loop devices under the provider's by-id name in the
   * machine, data kept in disk images under dataDir; machines then run without a user namespace.
   */
  volumeDevices?: boolean;
}

export function realMachineBackend(o: RealMachineBackendOptions): MachineBackend {
  const engine =
    o.engine ?? new MachineEngine({ layout: machineLayout(o.dataDir), drivers: { nspawn: simNspawn(o) } });
  const image = o.image ?? DEFAULT_IMAGE;
  // Fail at simulator start, not on the first create, when the host cannot run machines.
  assertHostCanRun(o.driver);
  requireImage(engine.layout, image);
  const machines = new Map<string, string>();
  const ready = new Set<string>();
  // Snapshot images this backend made. The images dir may be shared by parallel simulators, so
  // names are random, and close() removes them.
  const images = new Set<string>();
  const stoppedListeners: ((instanceId: string) => void)[] = [];
  // A guest that powers itself off (the agent's idle teardown) must show at the cloud API, as it
  // would on the real cloud: poll the machines' main processes while any is running.
  const watch = setInterval(() => {
    for (const [instanceId, id] of machines) {
      const m = engine.get(id);
      if (!ready.has(instanceId) || !m || engine.isRunning(m)) continue;
      ready.delete(instanceId);
      for (const l of stoppedListeners) l(instanceId);
    }
  }, o.stopPollMs ?? 500);
  watch.unref();
  // Port changes for one machine run one after another (a firewall edited twice in a row).
  const portQueue = new Map<string, Promise<void>>();
  const open = new Map<string, readonly number[]>();
  const bootTimeoutMs = o.bootTimeoutMs ?? (o.driver === "qemu" ? 300_000 : 60_000);
  const volumes = o.volumeDevices
    ? loopVolumeDevices(o.dataDir, (i) => engine.get(machines.get(i) ?? "")?.pid)
    : undefined;

  return {
    name: o.driver,
    async create(userData, instanceId, fromImage) {
      const m = await engine.create({
        name: `sim-${instanceId}`,
        userData,
        image: fromImage && images.has(fromImage) ? fromImage : image,
        driver: o.driver,
        labels: { "spuff-sim-instance": instanceId },
      });
      machines.set(instanceId, m.id);
      engine.waitSsh(m.id, bootTimeoutMs).then(
        () => {
          if (machines.get(instanceId) === m.id) ready.add(instanceId);
        },
        () => {
          // Never ready: the client's own wait times out, as with a cloud VM that never boots.
        },
      );
      return { ip: m.address };
    },
    isReady: (instanceId) => ready.has(instanceId),
    // nspawn: slirp4netns forwards each open port of 127.0.0.N to the guest, and nothing else.
    // qemu's own user network forwards only 22, so it leaves this out (see backend.ts).
    ...(o.driver === "nspawn"
      ? {
          setOpenPorts(instanceId: string, ports: readonly number[]): Promise<void> {
            const id = machines.get(instanceId);
            const m = id ? engine.get(id) : undefined;
            if (!m) return Promise.resolve();
            const sock = path.join(engine.layout.machineDir(m.id), "slirp.sock");
            const next = (portQueue.get(instanceId) ?? Promise.resolve())
              .catch(() => undefined)
              .then(() => setHostForwards(sock, m.address, ports))
              .then(() => {
                open.set(instanceId, [...ports]);
              });
            portQueue.set(instanceId, next);
            return next;
          },
          openPorts: (instanceId: string) => open.get(instanceId),
        }
      : {}),
    async snapshot(instanceId) {
      const id = machines.get(instanceId);
      if (!id) throw new Error(`no machine for instance ${instanceId}`);
      const name = `sim-snap-${randomBytes(6).toString("hex")}`;
      await engine.snapshot(id, name);
      images.add(name);
      return name;
    },
    async deleteImage(name) {
      if (!images.has(name)) return;
      try {
        removeImage(engine.layout, name);
        images.delete(name);
      } catch {
        // A machine still boots from it: close() removes it after the machines.
      }
    },
    onStopped(listener) {
      stoppedListeners.push(listener);
    },
    ...(volumes ? volumeBackendMethods(volumes) : {}),
    async destroy(instanceId) {
      const id = machines.get(instanceId);
      machines.delete(instanceId);
      ready.delete(instanceId);
      open.delete(instanceId);
      await portQueue.get(instanceId)?.catch(() => undefined);
      portQueue.delete(instanceId);
      if (id) await engine.destroy(id);
      // After the machine: its filesystems are unmounted, so the loop devices free cleanly.
      await volumes?.detachAllOf(instanceId);
    },
    async close() {
      clearInterval(watch);
      const ids = [...machines.keys()];
      await Promise.all(ids.map((i) => this.destroy(i)));
      await volumes?.close();
      for (const name of [...images]) await this.deleteImage?.(name).catch(() => undefined);
    },
  };
}

/** Sim nspawn machines reach the host's loopback; with volume devices they run without a userns. */
const simNspawn = (o: RealMachineBackendOptions) =>
  createNspawnDriver({
    guestReachesHostLoopback: true,
    ...(o.volumeDevices ? { userNamespace: false } : {}),
  });
