import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createTestIO } from "../core/io.ts";
import { createDeps } from "./deps.ts";

let dir: string | undefined;
afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe("createDeps", () => {
  it("registers the API token and the reaper token with the logger when settings are read", async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-deps-"));
    const io = createTestIO();
    const api = "dop_v1_api_0123456789abcdef";
    const reaper = "dop_v1_reaper_fedcba987654";
    const deps = createDeps({
      io,
      env: { SPUFF_CONFIG_DIR: dir, DIGITALOCEAN_TOKEN: api, SPUFF_REAPER_TOKEN: reaper },
      logLevel: "debug",
      json: false,
    });
    const s = await deps.settings();
    expect(s.provider).toBe("digitalocean");
    expect(s.reaperToken?.value).toBe(reaper);
    // An error message quoting a token (as a provider error body might) is still masked.
    deps.log.warn(`request failed: ${api} / ${reaper}`, { body: `{"token":"${reaper}"}` });
    expect(io.stderr()).toContain("request failed");
    expect(io.stderr()).not.toContain(api);
    expect(io.stderr()).not.toContain(reaper);
  });
});
