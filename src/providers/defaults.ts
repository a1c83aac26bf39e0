/**
 * Where an instance goes when neither flags nor config say: per-provider data, so `up` never
 * branches on a provider's name. Sizes are the smallest comfortable for a dev box (2 vCPU, 4 GB).
 */
import type { ProviderName } from "../config/schema.ts";

export interface Placement {
  region: string;
  size: string;
  image: string;
  /** How the on-VM agent ends billing (see the agent's teardown): delete via API, or power off. */
  teardown: "destroy" | "poweroff";
}

export const PROVIDER_DEFAULTS: Readonly<Record<ProviderName, Placement>> = {
  // Powered-off droplets and servers still bill: the agent must delete them.
  digitalocean: { region: "nyc1", size: "s-2vcpu-4gb", image: "ubuntu-24-04-x64", teardown: "destroy" },
  hetzner: { region: "fsn1", size: "cx22", image: "ubuntu-24.04", teardown: "destroy" },
  // Launched with shutdown behaviour = terminate, so a poweroff ends the bill.
  aws: { region: "us-east-1", size: "t3.medium", image: "ubuntu-24.04", teardown: "poweroff" },
  local: { region: "local", size: "default", image: "debian-12", teardown: "poweroff" },
};
