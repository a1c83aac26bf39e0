import { describe, expect, it } from "vitest";
import { UsageError } from "../core/errors.ts";
import { parsePortSpec, parsePortSpecs } from "./port-spec.ts";

describe("tunnel -p", () => {
  it("PORT forwards the same port; LOCAL:REMOTE maps; local 0 picks a free port", () => {
    expect(parsePortSpec("8080")).toEqual({ localPort: 8080, remotePort: 8080 });
    expect(parsePortSpec("15432:5432")).toEqual({ localPort: 15432, remotePort: 5432 });
    expect(parsePortSpec("0:3000")).toEqual({ localPort: 0, remotePort: 3000 });
  });
  it("refuses remote port 0, out-of-range and malformed values with a usage error", () => {
    for (const bad of ["0", "3000:0", "70000", "a", "1:2:3", "", ":80", "-1"]) {
      expect(() => parsePortSpec(bad), bad).toThrow(UsageError);
    }
  });
  it("refuses no port and the same fixed local port twice, allows several 0s", () => {
    expect(() => parsePortSpecs([])).toThrow(/No port/);
    expect(() => parsePortSpecs(["8080", "8080:9090"])).toThrow(/twice/);
    expect(parsePortSpecs(["0:80", "0:81"])).toHaveLength(2);
  });
});
