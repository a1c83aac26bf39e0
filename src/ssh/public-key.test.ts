import { describe, expect, it } from "vitest";
import { generateHostKey } from "../cloudinit/host-key.ts";
import { UserError } from "../core/errors.ts";
import { parsePublicKeyFile, parsePublicKeyLine } from "./public-key.ts";

const ed = generateHostKey("me@laptop").publicKey; // "ssh-ed25519 AAAA... me@laptop"
const [type, b64] = ed.split(" ") as [string, string];

describe("parsePublicKeyLine", () => {
  it("parses type, blob and comment of a .pub line (final newline allowed)", () => {
    const k = parsePublicKeyLine(`${ed}\n`);
    expect(k).toMatchObject({ type: "ssh-ed25519", comment: "me@laptop", line: ed });
    expect(typeof k !== "string" && k.blob.subarray(4, 15).toString()).toBe("ssh-ed25519");
    expect(parsePublicKeyLine(`${type} ${b64}`)).toMatchObject({ comment: "", line: `${type} ${b64}` });
  });

  it("refuses a comment with a Unicode line separator (the cloud-init bootcmd injection)", () => {
    expect(parsePublicKeyLine(`${type} ${b64} me\u2028bootcmd: [[touch, /pwned]]`)).toMatch(
      /printable ASCII/,
    );
    for (const bad of ["\u0085", "\u2029", "\r", "\t", "\0", "é", "\u007f"]) {
      expect(parsePublicKeyLine(`${type} ${b64} a${bad}b`), JSON.stringify(bad)).toMatch(/printable ASCII/);
    }
  });

  it("refuses unknown types, bad base64 and a blob of another type", () => {
    expect(parsePublicKeyLine(`ssh-foo ${b64}`)).toMatch(/unknown key type/);
    expect(parsePublicKeyLine(`${type} ${b64}!`)).toMatch(/base64/);
    expect(parsePublicKeyLine(`${type} ${b64.slice(0, -1)}`)).toMatch(/base64|blob/);
    expect(parsePublicKeyLine(`ssh-rsa ${b64}`)).toMatch(/blob names another type/);
    expect(parsePublicKeyLine(`${type} ${Buffer.from("xy").toString("base64")}`)).toMatch(
      /not an SSH key blob/,
    );
    expect(parsePublicKeyLine("")).toMatch(/expected/);
    expect(parsePublicKeyLine(`${ed}\n${ed}\n`)).toMatch(/one line/);
  });
});

describe("parsePublicKeyFile", () => {
  it("names the file and says how to regenerate it", () => {
    const err = (() => {
      try {
        parsePublicKeyFile(`${ed}\u2028bootcmd: x`, "/home/me/.ssh/id_ed25519.pub");
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toContain("/home/me/.ssh/id_ed25519.pub is not an OpenSSH public key");
    expect((err as UserError).hint).toContain("ssh-keygen -y -f /home/me/.ssh/id_ed25519");
  });
});
