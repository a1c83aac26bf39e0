// Keeps the code's shape: no source file over 400 lines, no function over 120 (issue 15).
// Functions are found with the TypeScript compiler's parser: declarations, methods, accessors,
// constructors, function expressions and arrow functions, each measured from its first line to
// its last (a nested function counts inside its parent too). Test files are held to the file
// limit; their callbacks to describe/it/test are suites, not functions, and are not measured.
//
// Offenders not yet split are listed in scripts/size-allowlist.txt; the check fails on any other
// offender, and on an allowlist entry that no longer offends (so the list only shrinks).
//
//   node --import tsx scripts/size-check.ts          check; print offenders; exit 1 on a new one
//   node --import tsx scripts/size-check.ts --list   print every offender, allowlisted or not
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";

export const MAX_FILE_LINES = 400;
export const MAX_FUNCTION_LINES = 120;
const ROOTS = ["src", "test", "bench", "scripts", "bin"];
const EXTENSIONS = [".ts", ".mts", ".cts", ".js", ".mjs", ".cjs"];
const TEST_CALLS = new Set(["describe", "it", "test", "beforeAll", "afterAll", "beforeEach", "afterEach"]);

/** Source files under the roots, repo-relative with forward slashes; generated files excluded. */
export function sourceFiles(repo: string): string[] {
  const out: string[] = [];
  for (const root of ROOTS) {
    const dir = path.join(repo, root);
    if (!fs.existsSync(dir)) continue;
    for (const rel of fs.readdirSync(dir, { recursive: true, encoding: "utf8" })) {
      const file = path.join(root, rel).split(path.sep).join("/");
      if (file.includes("/node_modules/") || file.includes("/fixtures/")) continue;
      if (!EXTENSIONS.some((e) => file.endsWith(e)) || /\.generated\.[cm]?[jt]s$/.test(file)) continue;
      if (fs.statSync(path.join(repo, file)).isFile()) out.push(file);
    }
  }
  return out.sort();
}

function lineCount(text: string): number {
  if (text.length === 0) return 0;
  return text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
}

/** A readable name for a function node: `name`, `Class.method`, or `<arrow in name>`. */
function functionName(node: ts.SignatureDeclaration): string {
  const own = node.name && ts.isIdentifier(node.name) ? node.name.text : undefined;
  const parent = node.parent;
  if (ts.isConstructorDeclaration(node)) return `${className(parent)}.constructor`;
  if (ts.isMethodDeclaration(node) || ts.isGetAccessor(node) || ts.isSetAccessor(node)) {
    const key = node.name && "text" in node.name ? node.name.text : "[computed]";
    return ts.isClassLike(parent) ? `${className(parent)}.${key}` : key;
  }
  if (own) return own;
  if (parent && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (parent && ts.isPropertyAssignment(parent) && "text" in parent.name) return parent.name.text;
  if (parent && ts.isPropertyDeclaration(parent) && "text" in parent.name) return parent.name.text;
  const enclosing = enclosingName(parent);
  return enclosing ? `<anonymous in ${enclosing}>` : "<anonymous>";
}

function className(node: ts.Node | undefined): string {
  if (!node || !ts.isClassLike(node)) return "<class>";
  return node?.name && ts.isIdentifier(node.name) ? node.name.text : "<class>";
}

function enclosingName(node: ts.Node | undefined): string | undefined {
  for (let n: ts.Node | undefined = node; n; n = n.parent)
    if (ts.isFunctionLike(n) && !ts.isArrowFunction(n)) return functionName(n);
  return undefined;
}

/** A callback handed to describe/it/test/hooks (also describe.each(...)(...), it.skipIf(...)(...)). */
function isTestCallback(node: ts.Node): boolean {
  const call = node.parent;
  if (!call || !ts.isCallExpression(call) || !call.arguments.some((a) => a === node)) return false;
  let callee = call.expression;
  for (;;) {
    if (ts.isCallExpression(callee)) callee = callee.expression;
    else if (ts.isPropertyAccessExpression(callee)) callee = callee.expression;
    else break;
  }
  return ts.isIdentifier(callee) && TEST_CALLS.has(callee.text);
}

/** Functions longer than the limit in one file: [{ name, line, lines }]. */
export interface LongFunction {
  name: string;
  line: number;
  lines: number;
}

export function longFunctions(file: string, text: string, limit = MAX_FUNCTION_LINES): LongFunction[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const isTest = /\.test\.[cm]?[jt]s$/.test(file);
  const found: LongFunction[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && "body" in node && node.body && !(isTest && isTestCallback(node))) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = end - start + 1;
      if (lines > limit) found.push({ name: functionName(node), line: start + 1, lines });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** Every offender in the repo, as allowlist keys: `file` or `file:function`, with a description. */
export interface Offender {
  /** Allowlist key: `file` or `file:function`. */
  key: string;
  what: string;
}

export function offenders(repo: string): Offender[] {
  const out: Offender[] = [];
  for (const file of sourceFiles(repo)) {
    const text = fs.readFileSync(path.join(repo, file), "utf8");
    const lines = lineCount(text);
    if (lines > MAX_FILE_LINES)
      out.push({ key: file, what: `${file}: ${lines} lines (max ${MAX_FILE_LINES})` });
    for (const f of longFunctions(file, text))
      out.push({
        key: `${file}:${f.name}`,
        what: `${file}:${f.line} ${f.name}: ${f.lines} lines (max ${MAX_FUNCTION_LINES})`,
      });
  }
  return out;
}

/** Allowlist keys from the file: one per line, `#` starts a comment. */
export function readAllowlist(file: string): string[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .map((l) => l.replace(/#.*/, "").trim())
    .filter(Boolean);
}

/** The verdict: offenders not allowed, and allowlist entries that no longer offend. */
export function check(
  found: Offender[],
  allowed: string[],
): { fresh: Offender[]; allowed: Offender[]; stale: string[] } {
  const keys = new Set(found.map((o) => o.key));
  return {
    fresh: found.filter((o) => !allowed.includes(o.key)),
    allowed: found.filter((o) => allowed.includes(o.key)),
    stale: allowed.filter((k) => !keys.has(k)),
  };
}

function main(): void {
  const repo = path.resolve(import.meta.dirname, "..");
  const found = offenders(repo);
  if (process.argv.includes("--list")) {
    for (const o of found) console.log(o.what);
    return;
  }
  const { fresh, allowed, stale } = check(
    found,
    readAllowlist(path.join(repo, "scripts/size-allowlist.txt")),
  );
  for (const o of allowed) console.log(`size-check: allowed for now: ${o.what}`);
  for (const o of fresh) console.error(`size-check: too long: ${o.what}`);
  for (const k of stale)
    console.error(`size-check: ${k} is within the limits now: remove it from scripts/size-allowlist.txt`);
  if (fresh.length > 0 || stale.length > 0) {
    if (fresh.length > 0)
      console.error("size-check: split these (or, for now, add them to scripts/size-allowlist.txt)");
    process.exitCode = 1;
  } else console.log(`size-check: ok (${allowed.length} allowlisted offenders left)`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) main();
