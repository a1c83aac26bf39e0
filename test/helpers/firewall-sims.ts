/**
 * The three cloud simulators, backed by real machines, as the firewall e2e test drives them: the
 * binary's environment, a machine made in the simulator without spuff (no firewall; on EC2 a
 * group open to everything, since its default group lets nothing in from outside), and the
 * official client for each (hcloud, aws; DigitalOcean's API by fetch: no doctl here) to read and
 * hand-edit spuff's firewall.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  EC2Client,
  RunInstancesCommand,
} from "@aws-sdk/client-ec2";
import { PUBLIC_IMAGES, publicImageId } from "../../src/sim/aws/catalog.ts";
import { startAwsSim } from "../../src/sim/aws/index.ts";
import type { MachineBackend } from "../../src/sim/backend.ts";
import { startDigitalOceanSim } from "../../src/sim/digitalocean/index.ts";
import { startHetznerSim } from "../../src/sim/hetzner/index.ts";
import { awsSimEnv } from "./aws-sim-env.ts";

const exec = promisify(execFile);
const home = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-fw-cli-"));
/** Removes the official clients' temporary HOME (once every simulator is closed). */
export const removeCliHome = () => fs.rmSync(home, { recursive: true, force: true });

export interface FirewallSim {
  provider: "digitalocean" | "hetzner" | "aws";
  env: Record<string, string>;
  /** Creates a machine without spuff whose user-data starts `serve` (a shell line); resolves its address. */
  bare(serve: string): Promise<string>;
  /** spuff's firewall through the official client: its inbound TCP rules as "port from cidr,…". */
  describe(): Promise<string[]>;
  /** Opens TCP 8000 to everyone on spuff's firewall, through the official client. */
  widen(): Promise<void>;
  violations(): unknown[];
  close(): Promise<void>;
}

const userData = (serve: string) => `#cloud-config\nruncmd:\n  - [sh, -c, ${JSON.stringify(serve)}]\n`;

async function cli(bin: string, args: string[], env: Record<string, string>): Promise<string> {
  const { stdout } = await exec(bin, args, {
    env: { PATH: "/usr/bin:/bin", HOME: home, ...env },
    timeout: 60_000,
  });
  return stdout;
}

export const FIREWALL_SIMS: {
  provider: FirewallSim["provider"];
  start(b: MachineBackend): Promise<FirewallSim>;
}[] = [
  {
    provider: "digitalocean",
    async start(backend) {
      const sim = await startDigitalOceanSim({ activeAfterMs: 200, backend });
      const api = async (method: string, p: string, body?: unknown) => {
        const res = await fetch(sim.url + p, {
          method,
          headers: { authorization: `Bearer ${sim.token}`, "content-type": "application/json" },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await res.text();
        return text ? JSON.parse(text) : undefined;
      };
      const spuffFw = async () =>
        (await api("GET", "/v2/firewalls")).firewalls.find((f: { name: string }) => f.name === "spuff-ssh");
      return {
        provider: "digitalocean",
        env: { DIGITALOCEAN_TOKEN: sim.token, DIGITALOCEAN_API_URL: sim.url },
        async bare(serve) {
          const body = {
            name: "bare",
            region: "fra1",
            size: "s-1vcpu-1gb",
            image: "debian-12-x64",
            user_data: userData(serve),
          };
          const id = (await api("POST", "/v2/droplets", body)).droplet.id as number;
          return sim.state.droplets.get(id)?.ip ?? "";
        },
        async describe() {
          const f = await spuffFw();
          return f.inbound_rules
            .filter((r: { protocol: string }) => r.protocol === "tcp")
            .map(
              (r: { ports: string; sources: { addresses: string[] } }) =>
                `${r.ports} from ${r.sources.addresses.join(",")}`,
            );
        },
        async widen() {
          const f = await spuffFw();
          const rule = { protocol: "tcp", ports: "8000", sources: { addresses: ["0.0.0.0/0"] } };
          await api("POST", `/v2/firewalls/${f.id}/rules`, { inbound_rules: [rule] });
        },
        violations: () => sim.validator?.violations ?? ["validator disabled"],
        close: () => sim.close(),
      };
    },
  },
  {
    provider: "hetzner",
    async start(backend) {
      const sim = await startHetznerSim({ activeAfterMs: 200, backend });
      const env = {
        HCLOUD_TOKEN: sim.token,
        HCLOUD_ENDPOINT: sim.endpoint,
        HCLOUD_CONFIG: path.join(home, "hcloud.toml"),
      };
      const hcloud = (...args: string[]) => cli("/usr/bin/hcloud", args, env);
      return {
        provider: "hetzner",
        env: { HCLOUD_TOKEN: sim.token, HCLOUD_ENDPOINT: sim.endpoint },
        async bare(serve) {
          const res = await fetch(`${sim.endpoint}/servers`, {
            method: "POST",
            headers: { authorization: `Bearer ${sim.token}`, "content-type": "application/json" },
            body: JSON.stringify({
              name: "bare",
              server_type: "cx22",
              image: "debian-12",
              user_data: userData(serve),
            }),
          });
          const id = ((await res.json()) as { server: { id: number } }).server.id;
          await sim.state.servers.get(id)?.boot;
          return sim.state.servers.get(id)?.ip ?? "";
        },
        async describe() {
          const f = JSON.parse(await hcloud("firewall", "describe", "spuff-ssh", "-o", "json")) as {
            rules: { direction: string; protocol: string; port: string | null; source_ips: string[] }[];
          };
          return f.rules
            .filter((r) => r.direction === "in" && r.protocol === "tcp")
            .map((r) => `${r.port} from ${r.source_ips.join(",")}`);
        },
        async widen() {
          await hcloud(
            "firewall",
            "add-rule",
            "spuff-ssh",
            "--direction",
            "in",
            "--protocol",
            "tcp",
            "--port",
            "8000",
            "--source-ips",
            "0.0.0.0/0",
          );
        },
        violations: () => sim.validator?.violations ?? ["validator disabled"],
        close: () => sim.close(),
      };
    },
  },
  {
    provider: "aws",
    async start(backend) {
      const sim = await startAwsSim({ activeAfterMs: 200, backend });
      const env = { ...awsSimEnv(sim.url), AWS_DEFAULT_REGION: "us-east-1", AWS_PAGER: "" };
      const aws = async (...args: string[]) =>
        JSON.parse(
          (await cli("/usr/bin/aws", ["--endpoint-url", sim.url, "--output", "json", ...args], env)) || "{}",
        );
      const ec2 = new EC2Client({
        region: "us-east-1",
        endpoint: sim.url,
        credentials: { accessKeyId: sim.accessKeyId, secretAccessKey: sim.secretAccessKey },
      });
      return {
        provider: "aws",
        env: awsSimEnv(sim.url),
        async bare(serve) {
          const open = await ec2.send(
            new CreateSecurityGroupCommand({ GroupName: "wide-open", Description: "no firewall" }),
          );
          await ec2.send(
            new AuthorizeSecurityGroupIngressCommand({
              GroupId: open.GroupId,
              IpPermissions: [{ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] }],
            }),
          );
          const noble =
            PUBLIC_IMAGES.find((p) => p.name.includes("noble") && p.arch === "x86_64")?.name ?? "";
          const res = await ec2.send(
            new RunInstancesCommand({
              MinCount: 1,
              MaxCount: 1,
              ImageId: publicImageId("us-east-1", noble),
              InstanceType: "t3.micro",
              SecurityGroupIds: [open.GroupId ?? ""],
              UserData: Buffer.from(userData(serve)).toString("base64"),
            }),
          );
          const id = res.Instances?.[0]?.InstanceId ?? "";
          return sim.state.instances.get(id)?.ip ?? "";
        },
        async describe() {
          const out = await aws("ec2", "describe-security-groups", "--group-names", "spuff-ssh");
          const perms = out.SecurityGroups[0].IpPermissions as {
            IpProtocol: string;
            FromPort: number;
            IpRanges: { CidrIp: string }[];
            Ipv6Ranges: { CidrIpv6: string }[];
          }[];
          return perms
            .filter((p) => p.IpProtocol === "tcp")
            .map(
              (p) =>
                `${p.FromPort} from ${[...p.IpRanges.map((r) => r.CidrIp), ...p.Ipv6Ranges.map((r) => r.CidrIpv6)].join(",")}`,
            );
        },
        async widen() {
          await aws(
            "ec2",
            "authorize-security-group-ingress",
            "--group-name",
            "spuff-ssh",
            "--protocol",
            "tcp",
            "--port",
            "8000",
            "--cidr",
            "0.0.0.0/0",
          );
        },
        violations: () => sim.validator?.violations ?? ["validator disabled"],
        close: async () => {
          ec2.destroy();
          await sim.close();
        },
      };
    },
  },
];
