#!/usr/bin/env node
try {
  require("../dist/agent/spuff-agent.cjs");
} catch (e) {
  require("./not-built.cjs")(e, "dist/agent/spuff-agent.cjs");
}
