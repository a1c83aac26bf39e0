// `npm run bench`: every benchmark BENCHMARKS.md cites, one after another (each prints a markdown
// table). The commands come from BENCHMARKS.md itself (code spans and blocks that run
// `node … bench/<file>`), so a figure there always has a command here; a cited file that does not
// exist stops the run before anything starts.
//
//   node bench/run.mjs                  run them all (after `npm run build`)
//   node bench/run.mjs --list           print the commands and check the files; run nothing
//   node bench/run.mjs --only cold      only commands containing "cold"
//   node bench/run.mjs --file OTHER.md  read the commands from another file
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const here = import.meta.dirname;
const repo = path.resolve(here, "..");

function option(name) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** `node [--import tsx] bench/FILE args…` commands cited in the markdown, first citation of each. */
export function citedCommands(markdown) {
  // Fenced blocks (line by line) and inline code spans, in the order the document cites them.
  const snippets = [...markdown.matchAll(/```[^\n]*\n([\s\S]*?)```|`([^`\n]+)`/g)].flatMap((m) =>
    m[1] !== undefined ? m[1].split("\n") : [m[2]],
  );
  const seen = new Map();
  for (const snippet of snippets) {
    const m = snippet.match(/\bnode (--import tsx )?bench\/(\S+)((?: [^[\]&|;]*)?)/);
    if (!m) continue;
    const file = m[2];
    const args = m[3].trim().split(/\s+/).filter(Boolean);
    // The same benchmark cited with another run count (or none) is the same benchmark.
    const key = [file, ...args.filter((a) => !/^\d+$/.test(a) && a !== "--runs")].join(" ");
    if (!seen.has(key)) seen.set(key, { file, args, tsx: !!m[1] || file.endsWith(".ts") });
  }
  return [...seen.values()];
}

function main() {
  const mdFile = path.resolve(option("--file") ?? path.join(repo, "BENCHMARKS.md"));
  const only = option("--only");
  const commands = citedCommands(fs.readFileSync(mdFile, "utf8")).filter(
    (c) => !only || `${c.file} ${c.args.join(" ")}`.includes(only),
  );
  if (commands.length === 0) {
    console.error(`bench/run.mjs: no benchmark commands found in ${mdFile}`);
    process.exit(1);
  }
  const missing = commands.filter((c) => !fs.existsSync(path.join(here, c.file)));
  if (missing.length > 0) {
    for (const c of missing) console.error(`bench/run.mjs: MISSING bench/${c.file}, cited in ${mdFile}`);
    console.error("bench/run.mjs: restore the benchmark or remove its figures from BENCHMARKS.md");
    process.exit(1);
  }
  const uncited = fs
    .readdirSync(here)
    .filter((f) => /\.(mjs|ts)$/.test(f) && f !== "run.mjs" && !commands.some((c) => c.file === f));
  if (!only)
    for (const f of uncited) console.error(`bench/run.mjs: note: bench/${f} is not cited in BENCHMARKS.md`);

  const failed = [];
  for (const c of commands) {
    const argv = [...(c.tsx ? ["--import", "tsx"] : []), path.join("bench", c.file), ...c.args];
    console.log(`\n## node ${argv.join(" ")}\n`);
    if (process.argv.includes("--list")) continue;
    const r = spawnSync(process.execPath, argv, { cwd: repo, stdio: "inherit" });
    if (r.status !== 0) failed.push(`${c.file} ${c.args.join(" ")} (exit ${r.status ?? r.signal})`);
  }
  for (const f of failed) console.error(`bench/run.mjs: FAILED ${f}`);
  process.exitCode = failed.length > 0 ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) main();
