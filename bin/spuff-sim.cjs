#!/usr/bin/env node
// Cloud API simulators checked against the vendors' specs: spuff-sim digitalocean --port P
require("../dist/sim/main.cjs");
