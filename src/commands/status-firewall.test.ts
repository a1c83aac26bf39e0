import { describe, expect, it } from "vitest";
import { desiredInbound } from "../providers/firewall.ts";
import { firewallJson, firewallRows } from "./status-firewall.ts";

describe("status --detailed firewall rows", () => {
  it("names each firewall and what it lets in; no firewall is said plainly", () => {
    const views = [{ id: "fw-1", name: "spuff-ssh", inbound: desiredInbound(["203.0.113.0/24"]) }];
    expect(firewallRows(views)).toEqual([
      ["Firewall", "spuff-ssh (fw-1): in tcp 22 from 203.0.113.0/24; icmp from 0.0.0.0/0, ::/0"],
    ]);
    expect(firewallRows([])[0]?.[1]).toMatch(/^none: every port/);
    // A name or source typed in the console cannot drive the terminal.
    const hostile = [
      {
        id: "1",
        name: "fw\u001b]0;pwned\u0007",
        inbound: [{ protocol: "tcp" as const, sources: ["\u202e1.2.3.4/32"] }],
      },
    ];
    expect(firewallRows(hostile)[0]?.[1]).toBe("fw\\u001b]0;pwned\\u0007 (1): in tcp from \\u202e1.2.3.4/32");
    expect(firewallJson(views)).toEqual([
      {
        id: "fw-1",
        name: "spuff-ssh",
        inbound: [
          { protocol: "tcp", ports: "22", sources: ["203.0.113.0/24"] },
          { protocol: "icmp", ports: "all", sources: ["0.0.0.0/0", "::/0"] },
        ],
      },
    ]);
  });
});
