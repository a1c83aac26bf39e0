/**
 * For commands that run until the user stops them (`logs -f`, `tunnel`): SIGINT and SIGTERM abort
 * a signal instead of killing the process, so the command closes its sockets and exits 0 — being
 * stopped is how such a command is meant to end, not a failure. Registering a listener also tells
 * main.ts's bare Ctrl-C handler to stand aside.
 */
export interface Interrupt {
  signal: AbortSignal;
  /** Which signal arrived, once one has. */
  received(): NodeJS.Signals | undefined;
  dispose(): void;
}

export function onInterrupt(proc: Pick<NodeJS.Process, "on" | "off"> = process): Interrupt {
  const ac = new AbortController();
  let got: NodeJS.Signals | undefined;
  const handlers = (["SIGINT", "SIGTERM"] as const).map((sig) => {
    const h = () => {
      got ??= sig;
      ac.abort(new Error(`interrupted by ${sig}`));
    };
    proc.on(sig, h);
    return [sig, h] as const;
  });
  return {
    signal: ac.signal,
    received: () => got,
    dispose: () => {
      for (const [sig, h] of handlers) proc.off(sig, h);
    },
  };
}
