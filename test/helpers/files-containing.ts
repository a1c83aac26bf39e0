import fs from "node:fs";
import path from "node:path";

/** Every regular file under dir whose bytes contain one of the needles (links are not followed). */
export function filesContaining(dir: string, needles: string[]): string[] {
  const hits: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && fs.statSync(p).size < 64 * 1024 * 1024) {
        const data = fs.readFileSync(p);
        if (needles.some((n) => data.includes(n))) hits.push(path.relative(dir, p));
      }
    }
  };
  walk(dir);
  return hits;
}
