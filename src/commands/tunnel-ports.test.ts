/** tunnel --auto's pure decisions: where to connect, which reported rows count, what changed. */
import { describe, expect, it } from "vitest";
import {
  autoFixedPorts,
  diffPorts,
  MAX_AUTO_FORWARDS,
  remoteHostFor,
  type WantedPort,
  wantedPorts,
} from "./tunnel-ports.ts";

const row = (port: unknown, address: unknown, pid: unknown = 10, command: unknown = "app") => ({
  port,
  address,
  pid,
  command,
});
const wanted = (remote: number): WantedPort => ({ remote, remoteHost: "127.0.0.1", pid: 1, command: "x" });

describe("remoteHostFor", () => {
  it("reaches wildcards through loopback and anything specific as bound", () => {
    expect(remoteHostFor("0.0.0.0")).toBe("127.0.0.1");
    expect(remoteHostFor("127.0.0.1")).toBe("127.0.0.1");
    expect(remoteHostFor("10.1.2.3")).toBe("10.1.2.3");
    expect(remoteHostFor("::")).toBe("::1");
    expect(remoteHostFor("::1")).toBe("::1");
    expect(remoteHostFor("::ffff:127.0.0.1")).toBe("127.0.0.1");
    expect(remoteHostFor("fe80::1")).toBe("fe80::1");
    for (const bad of ["", "localhost", "127.0.0.1; rm -rf /", "::ffff:nope", "1.2.3.4:80"])
      expect(remoteHostFor(bad)).toBeUndefined();
  });
});

describe("wantedPorts", () => {
  it("one per port, the best-reached bind wins, sorted", () => {
    expect(
      wantedPorts(
        [row(8123, "::", 5, "python3"), row(8123, "0.0.0.0", 5, "python3"), row(3000, "::1", 7, "node")],
        new Set(),
      ),
    ).toEqual([
      { remote: 3000, remoteHost: "::1", pid: 7, command: "node" },
      { remote: 8123, remoteHost: "127.0.0.1", pid: 5, command: "python3" },
    ]);
  });

  it("skips what the VM got wrong or made up, and the ports forwarded already as fixed", () => {
    const hostile = [
      null,
      "8080",
      row("8080", "127.0.0.1"),
      row(0, "127.0.0.1"),
      row(65_536, "127.0.0.1"),
      row(80.5, "127.0.0.1"),
      row(81, "evil.example"),
      row(82, 7),
      row(5432, "127.0.0.1"),
      row(83, "127.0.0.1", "not-a-pid", { toString: "x" }),
      row(84, "127.0.0.1", 9, "x".repeat(1000)),
    ];
    const got = wantedPorts(hostile, new Set([5432]));
    expect(got).toEqual([
      { remote: 83, remoteHost: "127.0.0.1", pid: 0, command: "" },
      { remote: 84, remoteHost: "127.0.0.1", pid: 9, command: "x".repeat(64) },
    ]);
    expect(wantedPorts({ ports: "nope" }, new Set())).toEqual([]);
  });
});

describe("diffPorts", () => {
  it("adds the new, drops the gone, leaves the rest", () => {
    expect(diffPorts(new Set([3000, 8123]), [wanted(3000), wanted(5173)])).toEqual({
      add: [wanted(5173)],
      drop: [8123],
      skipped: 0,
    });
    expect(diffPorts(new Set(), [])).toEqual({ add: [], drop: [], skipped: 0 });
  });

  it("caps the forwards: a flood is cut at the limit and counted", () => {
    const flood = Array.from({ length: MAX_AUTO_FORWARDS + 10 }, (_, i) => wanted(10_000 + i));
    const first = diffPorts(new Set(), flood);
    expect(first.add).toHaveLength(MAX_AUTO_FORWARDS);
    expect(first.skipped).toBe(10);
    const open = new Set(first.add.map((w) => w.remote));
    // One goes: exactly one place opens.
    const next = diffPorts(
      open,
      flood.filter((w) => w.remote !== 10_000),
    );
    expect(next.drop).toEqual([10_000]);
    expect(next.add.map((w) => w.remote)).toEqual([10_000 + MAX_AUTO_FORWARDS]);
    expect(next.skipped).toBe(9);
  });
});

describe("autoFixedPorts", () => {
  it("keeps -p and the spuff.yaml ports together, a port given by both once", () => {
    expect(autoFixedPorts(["0:3000", "15432:5432"], [3000, 8080, 15432])).toEqual([
      { localPort: 0, remotePort: 3000, source: "flag" },
      { localPort: 15432, remotePort: 5432, source: "flag" },
      { localPort: 8080, remotePort: 8080, source: "project" },
    ]);
    expect(autoFixedPorts([], [])).toEqual([]); // --auto alone needs no port
    expect(() => autoFixedPorts(["70000"], [])).toThrow(/Bad remote port/);
  });
});
