// The launchers' one failure of their own: run from a checkout before `npm run build`, the bundle
// they load is missing. Say so with the next step instead of a MODULE_NOT_FOUND stack; rethrow
// anything else (a missing dependency inside a bundle is a different problem).
const fs = require("node:fs");
const path = require("node:path");

module.exports = function notBuilt(error, bundle) {
  const root = path.resolve(__dirname, "..");
  if (error?.code !== "MODULE_NOT_FOUND" || fs.existsSync(path.join(root, bundle))) throw error;
  process.stderr.write(`Error: ${bundle} is missing: spuff is not built.\nHint: run \`npm run build\` in ${root}\n`);
  process.exit(1);
};
