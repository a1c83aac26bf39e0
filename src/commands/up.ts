/**
 * `spuff up --dry-run`: the plan and the exact user-data, without calling any provider.
 * (Creating instances lands with the orchestration issue; until then `up` requires --dry-run.)
 */
import fs from "node:fs";
import type { Deps } from "../cli/deps.ts";
import { generateHostKey } from "../cloudinit/host-key.ts";
import type { ProviderName } from "../config/schema.ts";
import { UsageError, UserError } from "../core/errors.ts";
import { printJson } from "../core/io.ts";
import { generateName, planUp } from "../up/plan.ts";

export interface UpCommandOptions {
  provider?: ProviderName;
  region?: string;
  size?: string;
  image?: string;
  dryRun?: boolean;
}

function readPublicKey(privateKeyPath: string): string {
  const pub = `${privateKeyPath}.pub`;
  try {
    return fs.readFileSync(pub, "utf8").trim();
  } catch {
    throw new UserError("ssh_key_missing", `SSH public key not found: ${pub}`, {
      hint: `Create a key with \`ssh-keygen -t ed25519 -f ${privateKeyPath}\`, or point ssh_key_path at yours: spuff config set ssh_key_path PATH`,
    });
  }
}

export async function runUp(deps: Deps, name: string | undefined, opts: UpCommandOptions): Promise<void> {
  if (!opts.dryRun) {
    throw new UsageError(
      "Creating instances is not available in this version; only `spuff up --dry-run` is",
      {
        hint: "Run `spuff up --dry-run` to see the plan and the exact user-data.",
      },
    );
  }
  const settings = await deps.settings(opts.provider ? { provider: opts.provider } : {});
  const plan = planUp(
    settings,
    { name: name ?? generateName(), region: opts.region, size: opts.size, image: opts.image },
    { now: deps.clock.now(), userPublicKey: readPublicKey(settings.sshKeyPath), hostKey: generateHostKey() },
  );
  if (deps.json) {
    printJson(deps.io, {
      dry_run: true,
      name: plan.name,
      provider: plan.provider,
      region: plan.region,
      size: plan.size,
      image: plan.image,
      labels: plan.labels,
      ssh_user: plan.sshUser,
      host_public_key: plan.hostPublicKey,
      created_at: plan.createdAt,
      deadline_at: plan.deadlineAt,
      idle_timeout_ms: plan.idleTimeoutMs,
      user_data: plan.userData,
      user_data_bytes: plan.encoded.bytes,
      user_data_encoding: plan.encoded.kind,
    });
    return;
  }
  deps.io.err.write(
    `Plan (dry run, nothing created): ${plan.name} on ${plan.provider} ${plan.region} / ${plan.size} / ${plan.image}\n` +
      `  user ${plan.sshUser}, idle timeout ${Math.round(plan.idleTimeoutMs / 60000)} min, deadline ${plan.deadlineAt}\n` +
      `  pinned host key ${plan.hostPublicKey.split(" ").slice(0, 2).join(" ")}\n` +
      `  user-data: ${plan.encoded.bytes} bytes (${plan.encoded.kind}); it follows on stdout\n`,
  );
  deps.io.out.write(plan.userData);
}
