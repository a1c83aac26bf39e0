/**
 * What bin/spuff.cjs loads (dist/cli/main.cjs): it runs the command-line program (src/main.ts,
 * built as dist/cli/spuff.cjs) and every bundle that program loads through the code cache
 * (cli/code-cache.ts), and writes what was missing from the cache when the process exits.
 * SPUFF_CODE_CACHE=off compiles everything from source, as Node's own loader would.
 */
import fs from "node:fs";
import path from "node:path";
import { createBundleLoader } from "./cli/code-cache.ts";
import { cacheDirOf } from "./core/paths.ts";

function readIds(file: string): Record<string, string> {
  try {
    const ids = JSON.parse(fs.readFileSync(file, "utf8"));
    return ids && typeof ids === "object" ? ids : {};
  } catch {
    return {}; // no build manifest: nothing is cached
  }
}

/** Undefined: no cache (turned off, or no home to keep it in); the program runs the same. */
function cacheDir(): string | undefined {
  if (process.env.SPUFF_CODE_CACHE === "off") return undefined;
  try {
    return path.join(cacheDirOf(process.env), "v8");
  } catch {
    return undefined; // no HOME and no passwd entry: os.homedir() throws
  }
}

const root = __dirname;
const loader = createBundleLoader({
  root,
  ids: readIds(path.join(root, "bundle-ids.json")),
  cacheDir: cacheDir(),
});
process.once("exit", () => loader.flush());
loader.load(path.join(root, "spuff.cjs"));
