/**
 * Per-region set-up an instance needs before RunInstances, each found before it is created and
 * safe to repeat after a lost response: the user's key pair (by fingerprint), spuff's SSH security
 * group (by tag), and the AMI for an image spec (Canonical's newest Ubuntu build, by name).
 * Results are cached per region for the provider's lifetime.
 */
import { createHash } from "node:crypto";
import type { Logger } from "../../core/log.ts";
import { ProviderError } from "../errors.ts";
import { ANYWHERE, desiredInbound, ensureFirewall } from "../firewall.ts";
import { ensureSshKey } from "../ssh-key.ts";
import type { ImageSpec } from "../types.ts";
import type { AwsClient } from "./client.ts";
import { awsCode, PROVIDER } from "./errors.ts";
import { awsFingerprint, parseOpenSshKey } from "./fingerprint.ts";
import { archForInstanceType, newest, publicImageQuery, SPUFF_TAG, unqualify } from "./map.ts";
import { groupStore } from "./security-group.ts";

const invalid = (message: string, hint?: string) =>
  new ProviderError({ kind: "invalid_config", provider: PROVIDER, message, hint });

export class AwsAccount {
  private readonly cache = new Map<string, Promise<string>>();

  constructor(private readonly api: AwsClient) {}

  private once(key: string, make: () => Promise<string>): Promise<string> {
    let p = this.cache.get(key);
    if (!p) {
      p = make();
      // A failure is not remembered: the next attempt looks again.
      p.catch(() => this.cache.delete(key));
      this.cache.set(key, p);
    }
    return p;
  }

  /** The name of a key pair holding `publicKey` in `region`, importing it when none does. */
  keyPair(region: string, publicKey: string): Promise<string> {
    const key = parseOpenSshKey(publicKey);
    if (!key)
      throw invalid(
        "EC2 imports only RSA and ED25519 SSH keys; the configured public key is neither.",
        "Create an ED25519 key with `ssh-keygen -t ed25519` and point ssh_key_path at it.",
      );
    const fp = awsFingerprint(key);
    return this.once(`key:${region}:${fp}`, async () => {
      const byFilter = async (name: string, values: string[]) =>
        (await this.api.call(region, "DescribeKeyPairs", { Filters: [{ Name: name, Values: values }] }))
          .KeyPairs?.[0]?.KeyName;
      // OpenSSH prints SHA-256 fingerprints unpadded; accept either spelling.
      const find = () => byFilter("fingerprint", [...new Set([fp, fp.replace(/=+$/, "")])]);
      // Named after the key itself, so a second import of the same key collides instead of duplicating.
      const name = `spuff-${createHash("sha256").update(key.blob).digest("hex").slice(0, 16)}`;
      return ensureSshKey({
        find,
        register: async () => {
          await this.api.call(
            region,
            "ImportKeyPair",
            {
              KeyName: name,
              PublicKeyMaterial: new TextEncoder().encode(
                publicKey.trim().split(/\s+/).slice(0, 2).join(" "),
              ),
              TagSpecifications: [{ ResourceType: "key-pair", Tags: [{ ...SPUFF_TAG }] }],
            },
            {
              idempotent: false,
              recover: async () =>
                (await byFilter("key-name", [name])) ? { KeyName: name, $metadata: {} } : undefined,
            },
          );
          return name;
        },
        // A concurrent `spuff up` imported it first (under the same name: it is the same key).
        isDuplicate: (err) => awsCode(err) === "InvalidKeyPair.Duplicate",
      });
    });
  }

  /**
   * spuff's security group in the region's default VPC, its inbound rules made exactly SSH (from
   * `sshFrom`) and ICMP; drift is restored and logged (security-group.ts).
   */
  sshGroup(region: string, sshFrom: readonly string[] = ANYWHERE, log?: Logger): Promise<string> {
    return this.once(`sg:${region}:${sshFrom.join(",")}`, async () => {
      const { firewall } = await ensureFirewall(
        groupStore(this.api, region, desiredInbound(sshFrom)),
        desiredInbound(sshFrom),
        log,
      );
      return firewall.GroupId ?? "";
    });
  }

  /** The AMI id to launch `spec` from in `region` on an instance of type `size`. */
  imageId(region: string, spec: ImageSpec, size: string): Promise<string> {
    if (spec.kind === "custom" || spec.kind === "snapshot") {
      const ref = unqualify(spec.id, region);
      if (ref.region !== region)
        throw invalid(
          `Image ${spec.id} is in ${ref.region}, but the instance is to be created in ${region}.`,
          `Create the instance in ${ref.region} (--region ${ref.region}), or copy the image with \`aws ec2 copy-image\`.`,
        );
      return Promise.resolve(ref.id);
    }
    const arch = archForInstanceType(size);
    const q = publicImageQuery(spec, arch);
    if ("error" in q) throw invalid(q.error, "Use image ubuntu-24.04, or an AMI id.");
    return this.once(`ami:${region}:${q.owner}:${q.namePattern}`, async () => {
      const images = await this.api.all(
        region,
        "DescribeImages",
        {
          Owners: [q.owner],
          Filters: [
            { Name: "name", Values: [q.namePattern] },
            { Name: "architecture", Values: [arch] },
            { Name: "state", Values: ["available"] },
          ],
        },
        (p) => p.Images ?? [],
      );
      const id = newest(images)?.ImageId;
      if (!id)
        throw invalid(
          `No ${spec.kind} ${spec.version} ${arch} image from its publisher was found in ${region}.`,
          "Pick another region or an AMI id (`spuff config set aws.image ami-…`).",
        );
      return id;
    });
  }
}
