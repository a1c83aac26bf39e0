#!/usr/bin/env node
require("../dist/agent/spuff-agent.cjs");
