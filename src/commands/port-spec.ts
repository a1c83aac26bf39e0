/** `tunnel -p` values: `PORT` (same port on both ends) or `LOCAL:REMOTE`; local 0 = any free port. */
import { UsageError } from "../core/errors.ts";

export interface PortSpec {
  localPort: number;
  remotePort: number;
}

const port = (raw: string, what: string, min: number, spec: string): number => {
  if (!/^\d{1,5}$/.test(raw) || Number(raw) < min || Number(raw) > 65_535)
    throw new UsageError(`Bad ${what} port in -p ${JSON.stringify(spec)}: expected ${min}–65535.`, {
      hint: "Use -p PORT or -p LOCAL_PORT:REMOTE_PORT, e.g. -p 8080 or -p 0:5432 (0 = any free local port).",
    });
  return Number(raw);
};

export function parsePortSpec(spec: string): PortSpec {
  const parts = spec.split(":");
  if (parts.length === 1) {
    const p = port(parts[0] as string, "remote", 1, spec);
    return { localPort: p, remotePort: p };
  }
  if (parts.length === 2)
    return {
      localPort: port(parts[0] as string, "local", 0, spec),
      remotePort: port(parts[1] as string, "remote", 1, spec),
    };
  throw new UsageError(`Bad -p ${JSON.stringify(spec)}: expected PORT or LOCAL_PORT:REMOTE_PORT.`);
}

/** All specs, refusing two forwards on the same fixed local port (the second would fail to bind). */
export function parsePortSpecs(specs: readonly string[]): PortSpec[] {
  if (specs.length === 0)
    throw new UsageError("No port to forward.", { hint: "spuff tunnel [NAME] -p PORT[:REMOTE_PORT] …" });
  const parsed = specs.map(parsePortSpec);
  const seen = new Set<number>();
  for (const p of parsed) {
    if (p.localPort === 0) continue;
    if (seen.has(p.localPort)) throw new UsageError(`Local port ${p.localPort} is given twice.`);
    seen.add(p.localPort);
  }
  return parsed;
}
