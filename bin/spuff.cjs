#!/usr/bin/env node
// CommonJS on purpose: loading the ESM machinery costs ~8 ms of every start-up.
require("../dist/cli/main.cjs");
