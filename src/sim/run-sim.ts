/**
 * Argument parsing for `spuff-sim digitalocean --port P [--token T] [--fault-rate 0.3 --seed 1 --active-after-ms 500] [--strict] [--backend none|nspawn|qemu [--volume-devices]] [--image debian-12]`
 * Kept apart from main.ts so tests can start a simulator the way the CLI does, in-process.
 */
import { parseArgs } from "node:util";
import { resolvePaths } from "../core/paths.ts";
import { startAwsSim } from "./aws/index.ts";
import type { MachineBackend } from "./backend.ts";
import { noneBackend } from "./backend.ts";
import { startCheckIp } from "./checkip.ts";
import { startDigitalOceanSim } from "./digitalocean/index.ts";
import { type HetznerSimOptions, startHetznerSim } from "./hetzner/index.ts";
import type { SimOptions } from "./options.ts";
import { type SimKind, simEnv } from "./paste-lines.ts";

/** A started simulator as `spuff-sim` reports it: its URL and the environment that points at it. */
export interface RunningSim {
  url: string;
  kind: SimKind;
  env: Record<string, string>;
  close(): Promise<void>;
}

const SIMS = {
  digitalocean: (o: SimOptions) =>
    startDigitalOceanSim(o).then((sim) => ({ ...sim, env: simEnv("digitalocean", sim) })),
  // Clients sign with the simulator's key pair (SIM_ACCESS_KEY_ID / SIM_SECRET_ACCESS_KEY, or --token).
  aws: (o: SimOptions) => startAwsSim(o).then((sim) => ({ ...sim, env: simEnv("aws", sim) })),
  // Prints the /v1 endpoint: what HCLOUD_ENDPOINT (spuff and the official hcloud CLI) takes.
  hetzner: (o: HetznerSimOptions) =>
    startHetznerSim(o).then((sim) => ({
      ...sim,
      url: sim.endpoint,
      env: simEnv("hetzner", { url: sim.endpoint, token: sim.token }),
    })),
} as const;

export async function runSim(argv: string[]): Promise<RunningSim> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: "string", default: "0" },
      token: { type: "string" },
      "fault-rate": { type: "string", default: "0" },
      seed: { type: "string", default: "1" },
      "active-after-ms": { type: "string", default: "500" },
      strict: { type: "boolean", default: false },
      backend: { type: "string", default: "none" },
      image: { type: "string" },
      // Test infrastructure: volumes as real block devices (nspawn machines without a user namespace).
      "volume-devices": { type: "boolean", default: false },
      "specs-dir": { type: "string" },
      "no-validate": { type: "boolean", default: false },
    },
  });
  const kind = positionals[0] ?? "digitalocean";
  const start = SIMS[kind as keyof typeof SIMS];
  if (!start)
    throw new Error(`unknown simulator ${JSON.stringify(kind)}; available: ${Object.keys(SIMS).join(", ")}`);
  const sim = await start({
    backend: await backendFrom(values.backend, values.image, values["volume-devices"]),
    port: Number(values.port),
    token: values.token,
    strict: values.strict,
    specsDir: values["specs-dir"],
    validate: !values["no-validate"],
    activeAfterMs: Number(values["active-after-ms"]),
    faults: { rate: Number(values["fault-rate"]), seed: Number(values.seed) },
  });
  // `ssh.allow_from` checks learn the caller's address here, as from checkip.amazonaws.com.
  const checkIp = await startCheckIp();
  return {
    url: sim.url,
    kind: kind as SimKind,
    env: { ...sim.env, SPUFF_CHECKIP_URL: checkIp.url },
    close: async () => {
      await checkIp.close();
      await sim.close();
    },
  };
}

/** `--backend none|nspawn|qemu`: real machines live under SPUFF_DATA_DIR like spuff's own. */
async function backendFrom(
  name: string,
  image: string | undefined,
  volumeDevices = false,
): Promise<MachineBackend> {
  if (name === "none") return noneBackend();
  if (name !== "nspawn" && name !== "qemu") {
    throw new Error(`unknown backend ${JSON.stringify(name)}; available: none, nspawn, qemu`);
  }
  const { realMachineBackend } = await import("./machine-backend.ts");
  if (volumeDevices && name !== "nspawn") throw new Error("--volume-devices needs --backend nspawn");
  return realMachineBackend({
    driver: name,
    dataDir: resolvePaths(process.env).dataDir,
    image,
    volumeDevices,
  });
}
