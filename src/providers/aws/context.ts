/** What the AWS provider's parts share: the client, the account's resources, clock and home region. */
import type { Clock } from "../../core/clock.ts";
import type { ProviderFactoryOptions } from "../registry.ts";
import type { AwsAccount } from "./account.ts";
import type { AwsClient } from "./client.ts";

export interface AwsContext {
  api: AwsClient;
  account: AwsAccount;
  clock: Clock;
  /** The region of ids that carry none. */
  home: string;
  log: ProviderFactoryOptions["log"];
}

/** DescribeInstances/DescribeImages page size (EC2 allows 5…1000). */
export const PAGE = 200;

export const gone = (code: string | undefined, ...codes: string[]) =>
  code !== undefined && codes.includes(code);
