#!/usr/bin/env node
// CommonJS on purpose: loading the ESM machinery costs ~8 ms of every start-up.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  // Answer the most common scripted probe without loading the command table.
  process.stdout.write(`${require("../package.json").version}\n`);
} else {
  // npm links this file into PREFIX/bin; code that finds dist/ beside the running CLI (the agent
  // bundle spuff uploads) needs where it really is, not the link's path.
  process.argv[1] = __filename;
  try {
    require("../dist/cli/main.cjs");
  } catch (e) {
    require("./not-built.cjs")(e, "dist/cli/main.cjs");
  }
}
