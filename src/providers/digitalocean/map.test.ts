import { describe, expect, it } from "vitest";
import { type DoDroplet, imageRef, labelsToTags, sshFingerprint, toAccountCheck, toInstance } from "./map.ts";

describe("DigitalOcean mapping", () => {
  it("computes the MD5 fingerprint DO reports (same as `ssh-keygen -l -E md5`)", () => {
    const pub = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDW6kV6fFNVJXWYiK3NEEtI+o6fxlVtxnA9AKhuk6bfd test@spuff";
    expect(sshFingerprint(pub)).toBe("9a:cf:fe:78:3c:1b:95:3d:97:b9:43:df:29:1b:0f:4b");
  });

  it("maps image specs to slugs or numeric ids", () => {
    expect(imageRef({ kind: "ubuntu", version: "24.04" })).toBe("ubuntu-24-04-x64");
    expect(imageRef({ kind: "debian", version: "12" })).toBe("debian-12-x64");
    expect(imageRef({ kind: "snapshot", id: "123" })).toBe(123);
    expect(imageRef({ kind: "custom", id: "my-image" })).toBe("my-image");
  });

  it("takes the public IPv4 only, and labels back from key:value tags", () => {
    const d: DoDroplet = {
      id: 5,
      name: "x",
      status: "active",
      created_at: "2026-01-01T00:00:00Z",
      size_slug: "s-1vcpu-1gb",
      region: { slug: "fra1" },
      networks: {
        v4: [
          { ip_address: "10.0.0.2", type: "private" },
          { ip_address: "203.0.113.5", type: "public" },
        ],
      },
      tags: ["spuff", "spuff-x", "owner:me"],
    };
    expect(toInstance(d)).toMatchObject({
      id: "5",
      ip: "203.0.113.5",
      status: "active",
      labels: { owner: "me" },
    });
    expect(toInstance({ ...d, status: "weird", networks: {} })).toMatchObject({
      ip: null,
      status: "unknown",
    });
    expect(labelsToTags({ owner: "me", "bad key": "x" })).toEqual(["owner:me"]);
  });

  it("names a team token's team, and keeps an account's escape sequences off the terminal", () => {
    expect(toAccountCheck({ email: "a@b.c", status: "active", team: { name: "Ops" } }).account).toBe(
      "a@b.c (team Ops)",
    );
    const hostile = toAccountCheck({ email: "x@y.z\u001b]0;owned\u0007", status: "act\u001b[2Jive" });
    expect(hostile.account).toBe("x@y.z\\u001b]0;owned\\u0007");
    expect(hostile.evidence).toBe("GET /v2/account: account status act\\u001b[2Jive");
  });
});
