/**
 * Deterministic fault injection: the same seed gives the same faults in the same order, so a
 * failing chaos test can be replayed exactly.
 */

export type Fault = "none" | "429" | "500" | "reset" | "reset-after" | "slow";

export interface FaultOptions {
  /** Probability in [0,1] that a request gets a random fault. 0 disables random faults. */
  rate?: number;
  seed?: number;
  /** Which faults random injection picks from (default 429, 500, reset, reset-after). */
  kinds?: Fault[];
  /** Added latency for "slow" (default 200 ms). */
  slowMs?: number;
  /** Forced faults, consumed in order, for requests matching method + path (exact). */
  script?: { method: string; path: string; fault: Fault }[];
}

/** mulberry32: a tiny, well-distributed 32-bit PRNG (public domain). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultInjector {
  private readonly random: () => number;
  private readonly script: NonNullable<FaultOptions["script"]>;
  readonly injected: { method: string; path: string; fault: Fault }[] = [];

  constructor(private readonly opts: FaultOptions = {}) {
    this.random = mulberry32(opts.seed ?? 1);
    this.script = [...(opts.script ?? [])];
  }

  get slowMs(): number {
    return this.opts.slowMs ?? 200;
  }

  /** Queue more scripted faults, e.g. for paths that name ids known only once the run has started. */
  schedule(...script: NonNullable<FaultOptions["script"]>): void {
    this.script.push(...script);
  }

  /** Decide the fault for one request. "reset-after" means: handle it, then drop the response. */
  decide(method: string, path: string): Fault {
    const i = this.script.findIndex((s) => s.method === method && s.path === path);
    let fault: Fault = "none";
    if (i >= 0) fault = this.script.splice(i, 1)[0]?.fault ?? "none";
    else if (this.random() < (this.opts.rate ?? 0)) {
      const kinds = this.opts.kinds ?? ["429", "500", "reset", "reset-after"];
      fault = kinds[Math.floor(this.random() * kinds.length)] ?? "none";
    }
    if (fault !== "none") this.injected.push({ method, path, fault });
    return fault;
  }
}
