import { describe, expect, it } from "vitest";
import { type HzServer, imageRef, serverLabels, toInstance } from "./map.ts";

const server = (over: Partial<HzServer> = {}): HzServer => ({
  id: 42,
  name: "dev-1",
  status: "running",
  created: "2026-01-01T00:00:00+00:00",
  public_net: { ipv4: { ip: "203.0.113.5" } },
  server_type: {
    name: "cx22",
    prices: [
      { location: "fsn1", price_hourly: { net: "0.0060000000", gross: "0.0071400000" } },
      { location: "ash", price_hourly: { net: "0.0100000000", gross: "0.0100000000" } },
    ],
  },
  location: { name: "fsn1" },
  labels: { spuff: "true", "spuff-instance": "dev-1", owner: "me" },
  ...over,
});

describe("Hetzner mapping", () => {
  it("maps image specs to image names or snapshot ids (strings, as POST /servers takes them)", () => {
    expect(imageRef({ kind: "ubuntu", version: "24.04" })).toBe("ubuntu-24.04");
    expect(imageRef({ kind: "debian", version: "12" })).toBe("debian-12");
    expect(imageRef({ kind: "snapshot", id: "123" })).toBe("123");
    expect(imageRef({ kind: "custom", id: "my-app" })).toBe("my-app");
  });

  it("takes the public IPv4, the price for the server's own location, and hides spuff's labels", () => {
    expect(toInstance(server())).toEqual({
      id: "42",
      name: "dev-1",
      ip: "203.0.113.5",
      status: "active",
      region: "fsn1",
      size: "cx22",
      createdAt: "2026-01-01T00:00:00+00:00",
      labels: { owner: "me" },
      priceHourly: { amount: 0.00714, currency: "EUR" },
    });
    expect(toInstance(server({ location: { name: "ash" } })).priceHourly?.amount).toBe(0.01);
    const booting = toInstance(server({ status: "initializing", public_net: { ipv4: null } }));
    expect(booting).toMatchObject({ status: "new", ip: null });
    expect(toInstance(server({ status: "rebuilding" })).status).toBe("unknown");
    expect(toInstance(server({ location: { name: "sin" } })).priceHourly).toBeUndefined();
  });

  it("labels: spuff's own win, invalid user labels are dropped, long names get no instance label", () => {
    expect(serverLabels("dev-1", { owner: "me", spuff: "false", "bad key": "x", ok: "bad value!" })).toEqual({
      owner: "me",
      spuff: "true",
      "spuff-instance": "dev-1",
    });
    expect(serverLabels("x".repeat(64), {})).toEqual({ spuff: "true" });
  });
});
