import { describe, expect, it } from "vitest";
import { ensureSshKey, keyName } from "./ssh-key.ts";

/** A registry whose account holds `keys` (by fingerprint) and whose register fails as told. */
function registry(o: {
  found: (number | undefined)[];
  register: () => Promise<number>;
  duplicate?: boolean;
}) {
  const calls: string[] = [];
  return {
    calls,
    r: {
      find: async () => {
        calls.push("find");
        return o.found.shift();
      },
      register: async () => {
        calls.push("register");
        return o.register();
      },
      isDuplicate: () => o.duplicate ?? false,
    },
  };
}

describe("ensureSshKey", () => {
  it("uses a registered key without registering", async () => {
    const { r, calls } = registry({ found: [7], register: async () => 1 });
    expect(await ensureSshKey(r)).toBe(7);
    expect(calls).toEqual(["find"]);
  });

  it("registers a missing key", async () => {
    const { r, calls } = registry({ found: [undefined], register: async () => 9 });
    expect(await ensureSshKey(r)).toBe(9);
    expect(calls).toEqual(["find", "register"]);
  });

  it("a duplicate answer means someone registered it first: look it up again and use theirs", async () => {
    const dup = new Error("SSH Key is already in use");
    const { r, calls } = registry({
      found: [undefined, 4],
      register: () => Promise.reject(dup),
      duplicate: true,
    });
    expect(await ensureSshKey(r)).toBe(4);
    expect(calls).toEqual(["find", "register", "find"]);
  });

  it("a duplicate that is still not found by fingerprint (another key under spuff's name) stays an error", async () => {
    const dup = new Error("name already used");
    const { r } = registry({
      found: [undefined, undefined],
      register: () => Promise.reject(dup),
      duplicate: true,
    });
    await expect(ensureSshKey(r)).rejects.toBe(dup);
  });

  it("any other failure propagates without a second look-up", async () => {
    const denied = new Error("forbidden");
    const { r, calls } = registry({ found: [undefined, 3], register: () => Promise.reject(denied) });
    await expect(ensureSshKey(r)).rejects.toBe(denied);
    expect(calls).toEqual(["find", "register"]);
  });

  it("names a key after its fingerprint", () => {
    expect(keyName("9a:cf:fe:78:3c:1b:95:3d:97:b9:43:df:29:1b:0f:4b")).toBe("spuff-9acffe783c1b");
  });
});
