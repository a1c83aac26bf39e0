/** Named cloud-configs exercised by the schema and serializer tests (not shipped). */
import { buildCloudConfig } from "./build.ts";
import { testArgs } from "./test-args.ts";
import type { CloudConfig } from "./types.ts";

/** Strings that YAML 1.1 would read as something else if written bare. */
export const TRICKY = [
  "yes",
  "no",
  "on",
  "off",
  "y",
  "n",
  "~",
  "null",
  "0644",
  "1:30",
  "1e3",
  "0x1F",
  ": x",
  "- x",
  "#c",
];

export function testConfigs(): Record<string, CloudConfig> {
  const longPackages = Array.from({ length: 120 }, (_, i) => `pkg-${i}`);
  const special = buildCloudConfig(
    testArgs({
      userPublicKey: `${testArgs().userPublicKey.split(" ").slice(0, 2).join(" ")} yes: on 'q' "d" #c \\x`,
    }),
  );
  special.final_message = `yes: on "it's" ünïcödé ✓ # not a comment`;
  special.packages = [...(special.packages ?? []), "on", "yes"];
  special.write_files = [
    ...(special.write_files ?? []),
    ...TRICKY.map((t, i) => ({ path: `/etc/spuff/tricky-${i}`, content: t, permissions: "0644" })),
  ];
  return {
    minimal: buildCloudConfig(testArgs()),
    dotfiles: buildCloudConfig(testArgs({ dotfiles: "git@github.com:me/dotfiles.git", provider: "aws" })),
    "long-packages": buildCloudConfig(testArgs({ extraPackages: longPackages, teardown: "poweroff" })),
    "workspace-volume": buildCloudConfig(testArgs({ workspaceOnVolume: true, provider: "digitalocean" })),
    special,
  };
}
