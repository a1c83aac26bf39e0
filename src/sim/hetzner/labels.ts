/**
 * Hetzner's label rules and label-selector language (spec info.description, "Labels" and
 * "Label Selector"): `k=v`, `k==v`, `k!=v`, `k`, `!k`, `k in (a,b)`, `k notin (a,b)`, joined by
 * commas meaning AND. A selector the sim cannot parse is an error, as the real API answers.
 */

type Term = (labels: Record<string, string>) => boolean;

const NAME = /^[a-zA-Z0-9]([-_.a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$/;
const PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function labelProblem(key: string, value: string): string | undefined {
  const slash = key.lastIndexOf("/");
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (!NAME.test(name)) return `label key ${JSON.stringify(key)} is invalid`;
  if (prefix !== undefined && (prefix.length > 253 || !PREFIX.test(prefix)))
    return `label key prefix ${JSON.stringify(prefix)} is invalid`;
  if (prefix === "hetzner.cloud") return "the hetzner.cloud/ prefix is reserved";
  if (value !== "" && !NAME.test(value)) return `label value ${JSON.stringify(value)} is invalid`;
  return undefined;
}

/** Splits on commas that are not inside parentheses. */
function splitTerms(selector: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of selector) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out.map((t) => t.trim());
}

function parseTerm(t: string): Term | undefined {
  let m = /^(\S+?)\s+(in|notin)\s+\(([^)]*)\)$/.exec(t);
  if (m) {
    const [, k = "", op, list = ""] = m;
    const set = new Set(list.split(",").map((v) => v.trim()));
    return (l) => (op === "in" ? k in l && set.has(l[k] ?? "") : !(k in l && set.has(l[k] ?? "")));
  }
  m = /^([^=!\s]+)\s*(==|=|!=)\s*([^=!\s]*)$/.exec(t);
  if (m) {
    const [, k = "", op, v = ""] = m;
    return op === "!=" ? (l) => l[k] !== v : (l) => k in l && l[k] === v;
  }
  m = /^(!?)([^=!\s(),]+)$/.exec(t);
  if (m) {
    const [, not, k = ""] = m;
    return not ? (l) => !(k in l) : (l) => k in l;
  }
  return undefined;
}

/** Compiles a selector; undefined when it does not parse. */
export function compileSelector(selector: string): Term | undefined {
  const terms = splitTerms(selector).map(parseTerm);
  if (terms.some((t) => t === undefined)) return undefined;
  return (labels) => terms.every((t) => t?.(labels));
}
