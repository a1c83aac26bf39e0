/** The simulator process the benchmark scripts start: where it listens. */

/**
 * Resolves with the URL spuff-sim prints on its first line (http://127.0.0.1:PORT, plus /v1 for
 * Hetzner); rejects if the simulator exits first or prints nothing within `timeoutMs`.
 */
export function waitForSimUrl(sim, timeoutMs) {
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
