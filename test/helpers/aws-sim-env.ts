import { SIM_ACCESS_KEY_ID, SIM_SECRET_ACCESS_KEY } from "../../src/sim/aws/index.ts";

/** The SDK's standard variables, pointed at the EC2 simulator (its fixed test credentials). */
export function awsSimEnv(url: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_EC2: url,
    AWS_ACCESS_KEY_ID: SIM_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: SIM_SECRET_ACCESS_KEY,
    AWS_REGION: "us-east-1",
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    AWS_EC2_METADATA_DISABLED: "true",
  };
}
