// Bundles the CLI, the simulator and the agent.
//
// Start-up time is dominated by how much JavaScript node must load, and ESM module loading alone costs
// ~8 ms here, so the CLI is CommonJS: a small main bundle (commander + command table) plus one bundle
// per lazily imported module. Every `import("./x.ts")` of project code becomes a separate bundle that
// is only required when that code path runs (`spuff --version` never loads zod, yaml or SQLite).
// The agent is one small CommonJS file for the VM's Node 18, with no dependencies.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";

const repo = path.resolve(import.meta.dirname, "..");
const src = path.join(repo, "src");
const pkg = JSON.parse(readFileSync(path.join(repo, "package.json"), "utf8"));
/** Every source file's path and bytes, hashed: any change of the code gives a new build id. */
function sourcesHash(dir) {
  const hash = createHash("sha256");
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (!e.name.endsWith(".test.ts"))
        hash.update(path.relative(dir, p)).update("\0").update(readFileSync(p));
    }
  };
  walk(dir);
  return hash.digest("hex").slice(0, 16);
}
const define = {
  __SPUFF_VERSION__: JSON.stringify(pkg.version),
  __SPUFF_BUILD_ID__: JSON.stringify(sourcesHash(src)),
};
// Native addons and the AWS SDK stay in node_modules: they cannot or need not be bundled.
// better-sqlite3's JavaScript is bundled; its addon is loaded by path (see src/state/db.ts).
const external = ["ssh2", "cpu-features", "@aws-sdk/*"];

// bin/spuff.cjs loads dist/cli/main.cjs: the boot (src/boot.ts), which runs the program (src/main.ts,
// dist/cli/spuff.cjs) and every lazy bundle through the V8 code cache (src/cli/code-cache.ts).
const BOOT = path.join(src, "boot.ts");
const PROGRAM = path.join(src, "main.ts");
/** dist/cli/<path under src>.cjs for a source file. */
const outFor = (file) =>
  file === BOOT
    ? path.join(repo, "dist/cli/main.cjs")
    : file === PROGRAM
      ? path.join(repo, "dist/cli/spuff.cjs")
      : path.join(repo, "dist/cli", path.relative(src, file).replace(/\.ts$/, ".cjs"));

/**
 * dist/cli/bundle-ids.json: each CLI bundle's content hash. A code cache file is named by it, so
 * no other build's (or version's) cache is ever read for these bytes.
 */
function writeBundleIds() {
  const dir = path.join(repo, "dist/cli");
  const ids = {};
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".cjs"))
        ids[path.relative(dir, p).split(path.sep).join("/")] = createHash("sha256")
          .update(readFileSync(p))
          .digest("hex")
          .slice(0, 32);
    }
  };
  walk(dir);
  writeFileSync(path.join(dir, "bundle-ids.json"), `${JSON.stringify(ids, null, 1)}\n`);
}

async function bundleCli(entries) {
  const seen = new Set();
  let queue = [...entries];
  while (queue.length > 0) {
    const next = [];
    await Promise.all(
      queue.map((entry) => {
        seen.add(entry);
        const outfile = outFor(entry);
        const lazyChildProcess = {
          name: "lazy-child-process-for-commander",
          setup(b) {
            b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
              args.importer.includes(`${path.sep}node_modules${path.sep}commander${path.sep}`)
                ? { path: path.join(repo, "scripts/shims/lazy-child-process.cjs") }
                : undefined,
            );
          },
        };
        const zodEnglishOnly = {
          name: "zod-english-only",
          setup(b) {
            b.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
              args.importer.includes(`${path.sep}node_modules${path.sep}zod${path.sep}`)
                ? { path: path.join(repo, "scripts/shims/zod-locales-en.mjs") }
                : undefined,
            );
          },
        };
        const splitLazy = {
          name: "split-lazy-imports",
          setup(b) {
            b.onResolve({ filter: /^\.\.?\// }, (args) => {
              if (args.kind !== "dynamic-import") return undefined;
              const target = path.resolve(args.resolveDir, args.path);
              if (!target.startsWith(src)) return undefined;
              if (!seen.has(target) && !next.includes(target)) next.push(target);
              let rel = path.relative(path.dirname(outfile), outFor(target));
              if (!rel.startsWith(".")) rel = `./${rel}`;
              return { path: rel, external: true };
            });
          },
        };
        return build({
          entryPoints: [entry],
          outfile,
          bundle: true,
          format: "cjs",
          platform: "node",
          target: "node20",
          minify: true,
          sourcemap: "linked",
          external,
          define,
          plugins: [splitLazy, lazyChildProcess, zodEnglishOnly],
          // Lazy bundles are CommonJS: load them with require() so the ESM loader (and its CJS export
          // lexer, ~15 ms) never starts.
          supported: { "dynamic-import": false },
          // Modules that lazily require() (state/db, core/io, fs-atomic, …) read import.meta.url only
          // when __filename is missing: never in these CommonJS bundles.
          logOverride: { "empty-import-meta": "silent" },
          logLevel: "warning",
        });
      }),
    );
    queue = next.filter((f) => !seen.has(f));
  }
  return seen.size;
}

const started = Date.now();
const [cliBundles] = await Promise.all([
  bundleCli([PROGRAM, BOOT]),
  // The cloud simulators (test and rehearsal tool): one bundle, with Ajv for spec checks.
  build({
    entryPoints: ["src/sim/main.ts"],
    outfile: "dist/sim/main.cjs",
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "node20",
    sourcemap: "linked",
    external,
    define,
    // As in the CLI bundles: import.meta.url is read only when __filename is missing.
    logOverride: { "empty-import-meta": "silent" },
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
writeBundleIds();
process.stderr.write(
  `built dist/ (${cliBundles} CLI bundles + simulator + agent) in ${Date.now() - started} ms\n`,
);
