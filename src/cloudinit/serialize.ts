/**
 * The one place cloud-config becomes text. YAML 1.1 because cloud-init parses with PyYAML
 * (YAML 1.1): in 1.1, bare yes/on/no are booleans, 0644 is octal and 1:30 is base-60, so strings
 * that look like those must come out quoted, which the yaml package does in 1.1 mode.
 * lineWidth 0: never fold long lines (keys and URLs stay intact).
 */
import YAML from "yaml";
import type { CloudConfig } from "./types.ts";

export function serializeCloudConfig(obj: CloudConfig): string {
  return "#cloud-config\n" + YAML.stringify(obj, { version: "1.1", lineWidth: 0 });
}
