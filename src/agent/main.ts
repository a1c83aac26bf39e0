/**
 * spuff-agent entry point. Runs on the VM under the distro's Node (≥18): Node built-ins only.
 * For now it only answers --version; the HTTP server lands with the agent issue.
 */
import { VERSION } from "../version.ts";

function main(argv: string[]): number {
  if (argv.includes("--version") || argv.includes("-V")) {
    process.stdout.write(`spuff-agent ${VERSION}\n`);
    return 0;
  }
  process.stderr.write("usage: spuff-agent --version\n");
  return 2;
}

process.exitCode = main(process.argv.slice(2));
