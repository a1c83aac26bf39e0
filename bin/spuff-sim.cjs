#!/usr/bin/env node
// Cloud API simulators checked against the vendors' specs: spuff-sim digitalocean --port P
try {
  require("../dist/sim/main.cjs");
} catch (e) {
  require("./not-built.cjs")(e, "dist/sim/main.cjs");
}
