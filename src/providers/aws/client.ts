/**
 * EC2 calls through the official SDK, one client per region, under spuff's own retry policy
 * (providers/retry.ts) so AWS behaves like every other provider: the SDK's retries are off.
 *
 * The SDK is imported on the first call, not when this module loads: it costs ~300 ms, and
 * commands that build a provider but never reach AWS must not pay for it.
 */
import type * as Ec2 from "@aws-sdk/client-ec2";
import type { Clock } from "../../core/clock.ts";
import type { Logger } from "../../core/log.ts";
import { withRetries } from "../retry.ts";
import { DEFAULT_RETRY, type RetryPolicy } from "../retry-timing.ts";
import { toProviderError } from "./errors.ts";

type Sdk = typeof Ec2;

/** The operations spuff uses, with the SDK's input and output types. */
export interface Ops {
  RunInstances: [Ec2.RunInstancesCommandInput, Ec2.RunInstancesCommandOutput];
  DescribeInstances: [Ec2.DescribeInstancesCommandInput, Ec2.DescribeInstancesCommandOutput];
  TerminateInstances: [Ec2.TerminateInstancesCommandInput, Ec2.TerminateInstancesCommandOutput];
  CreateImage: [Ec2.CreateImageCommandInput, Ec2.CreateImageCommandOutput];
  DescribeImages: [Ec2.DescribeImagesCommandInput, Ec2.DescribeImagesCommandOutput];
  DeregisterImage: [Ec2.DeregisterImageCommandInput, Ec2.DeregisterImageCommandOutput];
  DescribeSnapshots: [Ec2.DescribeSnapshotsCommandInput, Ec2.DescribeSnapshotsCommandOutput];
  DeleteSnapshot: [Ec2.DeleteSnapshotCommandInput, Ec2.DeleteSnapshotCommandOutput];
  ImportKeyPair: [Ec2.ImportKeyPairCommandInput, Ec2.ImportKeyPairCommandOutput];
  DescribeKeyPairs: [Ec2.DescribeKeyPairsCommandInput, Ec2.DescribeKeyPairsCommandOutput];
  CreateSecurityGroup: [Ec2.CreateSecurityGroupCommandInput, Ec2.CreateSecurityGroupCommandOutput];
  DescribeSecurityGroups: [Ec2.DescribeSecurityGroupsCommandInput, Ec2.DescribeSecurityGroupsCommandOutput];
  DescribeRegions: [Ec2.DescribeRegionsCommandInput, Ec2.DescribeRegionsCommandOutput];
  CreateVolume: [Ec2.CreateVolumeCommandInput, Ec2.CreateVolumeCommandOutput];
  DescribeVolumes: [Ec2.DescribeVolumesCommandInput, Ec2.DescribeVolumesCommandOutput];
  AttachVolume: [Ec2.AttachVolumeCommandInput, Ec2.AttachVolumeCommandOutput];
  DetachVolume: [Ec2.DetachVolumeCommandInput, Ec2.DetachVolumeCommandOutput];
  DeleteVolume: [Ec2.DeleteVolumeCommandInput, Ec2.DeleteVolumeCommandOutput];
  AuthorizeSecurityGroupIngress: [
    Ec2.AuthorizeSecurityGroupIngressCommandInput,
    Ec2.AuthorizeSecurityGroupIngressCommandOutput,
  ];
  DescribeSpotPriceHistory: [
    Ec2.DescribeSpotPriceHistoryCommandInput,
    Ec2.DescribeSpotPriceHistoryCommandOutput,
  ];
  RevokeSecurityGroupIngress: [
    Ec2.RevokeSecurityGroupIngressCommandInput,
    Ec2.RevokeSecurityGroupIngressCommandOutput,
  ];
}
export type Action = keyof Ops;

export interface CallOptions<T> {
  /** Safe to re-send after an unknown outcome (reads, and writes EC2 deduplicates). Default: true. */
  idempotent?: boolean;
  recover?: () => Promise<T | undefined>;
  signal?: AbortSignal;
}

export interface AwsClientOptions {
  /** Explicit endpoint (simulator, proxy); undefined = the SDK's regional AWS endpoint. */
  endpoint?: string;
  /** Static keys when the environment has them; otherwise the SDK's default chain (profile, SSO, IMDS…). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  profile?: string;
  clock: Clock;
  log?: Logger;
  /** Per attempt (socket idle time), default 30 s. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  random?: () => number;
}

/** Page bound: far beyond any account's instance or image count; stops a looping token. */
const MAX_PAGES = 1000;

export class AwsClient {
  private sdk: Promise<Sdk> | undefined;
  private readonly clients = new Map<string, Ec2.EC2Client>();
  private readonly policy: RetryPolicy;

  constructor(private readonly o: AwsClientOptions) {
    this.policy = { ...DEFAULT_RETRY, ...o.retry };
    o.log?.addSecret(o.credentials?.secretAccessKey);
    o.log?.addSecret(o.credentials?.sessionToken);
  }

  private load(): Promise<Sdk> {
    // The SDK warns on Node < 22 through process.emitWarning; that is a note for spuff's
    // maintainers (engines), not for users, so keep it off their terminal unless they asked.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
    this.sdk ??= import("@aws-sdk/client-ec2");
    return this.sdk;
  }

  private async client(region: string): Promise<Ec2.EC2Client> {
    const sdk = await this.load();
    let c = this.clients.get(region);
    if (!c) {
      c = new sdk.EC2Client({
        region,
        ...(this.o.endpoint ? { endpoint: this.o.endpoint } : {}),
        ...(this.o.credentials ? { credentials: this.o.credentials } : {}),
        ...(this.o.profile ? { profile: this.o.profile } : {}),
        // One attempt per send: retries are spuff's (bounded, jittered, recover-aware).
        maxAttempts: 1,
        requestHandler: { requestTimeout: this.o.timeoutMs ?? 30_000, connectionTimeout: 10_000 },
      });
      this.clients.set(region, c);
    }
    return c;
  }

  async call<A extends Action>(
    region: string,
    action: A,
    input: Ops[A][0],
    opts: CallOptions<Ops[A][1]> = {},
  ) {
    const sdk = await this.load();
    const client = await this.client(region);
    const Command = sdk[`${action}Command`] as unknown as new (
      i: Ops[A][0],
    ) => Parameters<Ec2.EC2Client["send"]>[0];
    const attempt = async (): Promise<Ops[A][1]> => {
      const started = this.o.clock.now();
      try {
        const out = (await client.send(new Command(input), { abortSignal: opts.signal })) as Ops[A][1];
        this.o.log?.debug("http", {
          method: "POST",
          path: action,
          region,
          status: 200,
          ms: this.o.clock.now() - started,
        });
        return out;
      } catch (err) {
        if (opts.signal?.aborted) throw opts.signal.reason;
        const pe = toProviderError(err, action, region);
        this.o.log?.debug("http", {
          method: "POST",
          path: action,
          region,
          status: pe.status ?? pe.kind,
          ms: this.o.clock.now() - started,
        });
        throw pe;
      }
    };
    return withRetries(
      { policy: this.policy, clock: this.o.clock, random: this.o.random ?? Math.random, log: this.o.log },
      {
        attempt,
        idempotent: opts.idempotent ?? true,
        recover: opts.recover,
        signal: opts.signal,
        label: { method: "POST", path: action },
      },
    );
  }

  /** Every item across NextToken pages (the model's paginators: NextToken in, NextToken out). */
  async all<
    A extends "DescribeInstances" | "DescribeImages" | "DescribeSecurityGroups" | "DescribeSnapshots",
    T,
  >(region: string, action: A, input: Ops[A][0], items: (page: Ops[A][1]) => T[]): Promise<T[]> {
    const out: T[] = [];
    let token: string | undefined;
    for (let n = 0; n < MAX_PAGES; n++) {
      const page = await this.call(region, action, { ...input, NextToken: token } as Ops[A][0]);
      out.push(...items(page));
      token = page.NextToken;
      if (!token) break;
    }
    return out;
  }
}
