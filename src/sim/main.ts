/**
 * Entry of the `spuff-sim` binary: `spuff-sim digitalocean --port P [--token T] [--fault-rate 0.3
 * --seed 1 --active-after-ms 500] [--strict] [--specs-dir D] [--no-validate]`. Prints the base URL,
 * then the `export …` line that points spuff and the official CLI at it, and serves until
 * SIGINT/SIGTERM. A dev/test tool, so it may exit on its own.
 */
import { pasteLines } from "./paste-lines.ts";
import { runSim } from "./run-sim.ts";

runSim(process.argv.slice(2)).then(
  (sim) => {
    // The URL stays the first line: scripts (bench/) read it; the paste lines follow.
    process.stdout.write(`${[sim.url, ...pasteLines(sim.kind, sim.env)].join("\n")}\n`);
    const stop = () => void sim.close().then(() => process.exit(0));
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  },
  (err: unknown) => {
    process.stderr.write(`spuff-sim: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
