/**
 * The real `spuff` binary on a real pseudo-terminal (script(1)), for the paths that only run on a
 * terminal: prompts, and Ctrl-C typed into the terminal (the line discipline's SIGINT).
 */
import { spawn } from "node:child_process";
import { expect } from "vitest";
import { SPUFF_BIN, spuffEnv } from "./cli.ts";

export interface PtySession {
  /** Everything the terminal showed so far (with escape sequences). */
  screen(): string;
  /** Type into the terminal ("\x03" is Ctrl-C, "\r" Enter, "\x1b[B" arrow down). */
  type(keys: string): void;
  /** Poll (bounded, 15 s) until `pred` holds; fails the test with the screen otherwise. */
  until(pred: (screen: string) => boolean, what: string): Promise<void>;
  /** The exit code of spuff (script -e passes it through). */
  exited: Promise<number | null>;
  kill(): void;
}

export function spuffOnPty(
  args: string[],
  o: { configDir: string; env?: Record<string, string>; cwd?: string; cols?: number },
): PtySession {
  // A pty from script(1) starts at 0×0; give it a size so prompts lay out as on a terminal.
  const cmd = `stty cols ${o.cols ?? 120} rows 40; exec ${process.execPath} ${SPUFF_BIN} ${args.join(" ")}`;
  const child = spawn("script", ["-qfec", cmd, "/dev/null"], {
    env: { ...spuffEnv(o.configDir, o.env), TERM: "xterm" },
    stdio: ["pipe", "pipe", "pipe"],
    ...(o.cwd ? { cwd: o.cwd } : {}),
  });
  let screen = "";
  child.stdout.on("data", (d) => (screen += d));
  // Keys typed after spuff has exited hit a closed pipe (EPIPE); the exit code tells the test.
  child.stdin.on("error", () => {});
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  return {
    screen: () => screen,
    type: (keys) => child.stdin.write(keys),
    async until(pred, what) {
      for (let i = 0; i < 300 && !pred(screen); i++) await new Promise((r) => setTimeout(r, 50));
      expect(pred(screen), `${what}; screen so far:\n${screen}`).toBe(true);
    },
    exited,
    kill: () => child.kill("SIGKILL"),
  };
}

/**
 * Runs spuff on a pty, waits for `question` on the screen, types `answer` then Enter, and returns
 * spuff's exit code and the screen (killed after 20 s if it never exits).
 */
export async function answerOnPty(
  args: string[],
  o: Parameters<typeof spuffOnPty>[1],
  question: string,
  answer: string,
): Promise<{ code: number | null; screen: string }> {
  const pty = spuffOnPty(args, o);
  try {
    await pty.until((s) => s.includes(question), "the question");
    pty.type(answer);
    await new Promise((r) => setTimeout(r, 200));
    pty.type("\r");
    const timer = setTimeout(() => pty.kill(), 20_000);
    const code = await pty.exited;
    clearTimeout(timer);
    return { code, screen: pty.screen() };
  } finally {
    pty.kill();
  }
}
