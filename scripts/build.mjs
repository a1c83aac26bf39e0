// Bundles the CLI (ESM, code-split so each command loads only what it needs), the simulator,
// and the agent (one small CommonJS file for the VM's Node 18, no dependencies).
import { readFileSync } from "node:fs";
import { build } from "esbuild";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const define = { __SPUFF_VERSION__: JSON.stringify(pkg.version) };
// Native addons and the AWS SDK stay in node_modules: they cannot or need not be bundled.
const external = ["better-sqlite3", "ssh2", "cpu-features", "@aws-sdk/*"];
// ssh2, commander and others call require(); give ESM chunks a require.
const banner = {
  js: "import { createRequire as __spuffCreateRequire } from 'node:module'; const require = __spuffCreateRequire(import.meta.url);",
};

const started = Date.now();
await Promise.all([
  build({
    entryPoints: { main: "src/main.ts" },
    outdir: "dist/cli",
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    minify: true,
    sourcemap: "linked",
    external,
    define,
    banner,
    logLevel: "warning",
  }),
  build({
    entryPoints: ["src/agent/main.ts"],
    outfile: "dist/agent/spuff-agent.cjs",
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "node18",
    minify: true,
    define,
    logLevel: "warning",
  }),
]);
process.stderr.write(`built dist/ in ${Date.now() - started} ms\n`);
