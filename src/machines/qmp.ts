/**
 * A minimal QMP client (QEMU Machine Protocol) over a qemu machine's unix socket (`qmp.sock` in
 * its 0700 folder): one connection, commands one at a time, events collected while waiting.
 * Used to hot-plug and unplug volumes and to ask the guest for a clean poweroff.
 */
import net from "node:net";
import { UserError } from "../core/errors.ts";

export interface QmpCommand {
  execute: string;
  arguments?: Record<string, unknown>;
}

interface QmpMessage {
  QMP?: unknown;
  return?: unknown;
  error?: { class: string; desc: string };
  event?: string;
  data?: Record<string, unknown>;
}

export interface QmpSession {
  run(cmd: QmpCommand): Promise<unknown>;
  /** Resolves when an event named `event` (whose data `match` accepts) arrives, or false after `timeoutMs`. */
  waitEvent(
    event: string,
    match: (data: Record<string, unknown>) => boolean,
    timeoutMs: number,
  ): Promise<boolean>;
  close(): void;
}

export async function openQmp(socket: string, timeoutMs = 10_000): Promise<QmpSession> {
  const conn = net.createConnection(socket);
  const messages: QmpMessage[] = [];
  const events: QmpMessage[] = [];
  let wake: (() => void) | undefined;
  let failure: Error | undefined;
  let buf = "";
  conn.setEncoding("utf8");
  conn.on("data", (chunk: string) => {
    buf += chunk;
    for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
      const line = buf.slice(0, i).trim();
      buf = buf.slice(i + 1);
      if (!line) continue;
      const msg = JSON.parse(line) as QmpMessage;
      (msg.event ? events : messages).push(msg);
    }
    wake?.();
  });
  const fail = (err: Error) => {
    failure = err;
    wake?.();
  };
  conn.on("error", fail);
  conn.on("close", () => fail(new Error("QMP connection closed")));

  /** Waits until `ready()` holds, a failure, or the deadline; bounded. */
  const until = async (ready: () => boolean, ms: number): Promise<boolean> => {
    const deadline = Date.now() + ms;
    while (!ready()) {
      if (failure) throw new UserError("qmp_failed", `qemu's QMP socket: ${failure.message}`);
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 200));
        wake = () => {
          clearTimeout(t);
          r();
        };
      });
    }
    return true;
  };
  const next = async (): Promise<QmpMessage> => {
    if (!(await until(() => messages.length > 0, timeoutMs)))
      throw new UserError("qmp_failed", "qemu did not answer on its QMP socket.");
    return messages.shift() as QmpMessage;
  };
  const session: QmpSession = {
    async run(cmd) {
      conn.write(`${JSON.stringify(cmd)}\n`);
      const reply = await next();
      if (reply.error)
        throw new UserError(
          "qmp_failed",
          `qemu refused ${cmd.execute}: ${reply.error.desc} (${reply.error.class})`,
        );
      return reply.return;
    },
    async waitEvent(event, match, ms) {
      const hit = () => events.findIndex((e) => e.event === event && match(e.data ?? {})) >= 0;
      return until(hit, ms).catch(() => hit());
    },
    close: () => conn.destroy(),
  };
  try {
    const greeting = await next();
    if (!greeting.QMP) throw new UserError("qmp_failed", "qemu's QMP socket sent no greeting.");
    await session.run({ execute: "qmp_capabilities" });
  } catch (err) {
    conn.destroy();
    throw err;
  }
  return session;
}
