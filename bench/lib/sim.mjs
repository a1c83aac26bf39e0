/** The simulator process the benchmark scripts start, and where it listens. */
import { spawn } from "node:child_process";
import path from "node:path";

const SIM_BIN = path.resolve(import.meta.dirname, "../../bin/spuff-sim.cjs");

/**
 * Starts `spuff-sim ARGS…` and resolves with the child and the URL it prints on its first line
 * (http://127.0.0.1:PORT, plus /v1 for Hetzner). A simulator that exits first or prints nothing
 * within `timeoutMs` is stopped and the promise rejects, so no simulator outlives a failed start.
 */
export async function startSim(args, { env = process.env, timeoutMs = 15_000 } = {}) {
  const sim = spawn(process.execPath, [SIM_BIN, ...args], { env, stdio: ["ignore", "pipe", "inherit"] });
  try {
    return { sim, url: await waitForSimUrl(sim, timeoutMs) };
  } catch (err) {
    sim.kill("SIGTERM");
    throw err;
  }
}

function waitForSimUrl(sim, timeoutMs) {
  return new Promise((resolve, reject) => {
    let buf = "";
    const timer = setTimeout(
      () => reject(new Error(`spuff-sim did not print its URL within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    sim.stdout.on("data", (c) => {
      buf += c;
      const m = /^(http:\/\/127\.0\.0\.1:\d+\S*)\s*$/m.exec(buf);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    sim.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`spuff-sim exited ${code} before printing its URL`));
    });
  });
}
