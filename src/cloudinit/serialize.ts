/**
 * The one place cloud-config becomes text. YAML 1.1 because cloud-init parses with PyYAML
 * (YAML 1.1): in 1.1, bare yes/on/no are booleans, 0644 is octal and 1:30 is base-60, so strings
 * that look like those must come out quoted, which the yaml package does in 1.1 mode.
 * lineWidth 0: never fold long lines (keys and URLs stay intact).
 *
 * PyYAML also reads U+0085, U+2028 and U+2029 (and \r) as line breaks, refuses C0/C1 controls,
 * DEL, U+FFFE/U+FFFF and lone surrogates in a stream, and trips on tabs in plain scalars. The yaml package writes those raw, even in
 * plain and block scalars, where a line break lets the rest of a value start a new top-level key
 * (a `bootcmd`, run as root). So every string holding one is forced to a double-quoted scalar, and
 * each such character is then written as an escape, which is only ever inside those scalars.
 */
import YAML from "yaml";
import type { CloudConfig } from "./types.ts";

/** What PyYAML may not take literally in a scalar: all outside its printable set, tab, and line breaks but \n. */
const SPECIAL =
  "[^\\n\\x20-\\x7e\\xa0-\\u2027\\u202a-\\ud7ff\\ue000-\\ufefe\\uff00-\\ufffd\\u{10000}-\\u{10ffff}]";
const HAS_SPECIAL = new RegExp(SPECIAL, "u");
const EVERY_SPECIAL = new RegExp(SPECIAL, "gu");

/** Plain scalars PyYAML resolves to tags the yaml package's 1.1 schema does not know (value, merge). */
const PYYAML_ONLY_TAGS = new Set(["=", "<<"]);

function escapeChar(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  if (cp <= 0xff) return `\\x${cp.toString(16).padStart(2, "0")}`;
  if (cp <= 0xffff) return `\\u${cp.toString(16).padStart(4, "0")}`;
  return `\\U${cp.toString(16).padStart(8, "0")}`;
}

export function serializeCloudConfig(obj: CloudConfig): string {
  const doc = new YAML.Document(obj, { version: "1.1" });
  YAML.visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value !== "string") return;
      if (HAS_SPECIAL.test(node.value) || PYYAML_ONLY_TAGS.has(node.value)) node.type = "QUOTE_DOUBLE";
    },
  });
  // JSON-style escapes only: the yaml package's others (such as "\\ ") are not all known to PyYAML.
  const text = doc.toString({ lineWidth: 0, doubleQuotedAsJSON: true });
  return "#cloud-config\n" + text.replace(EVERY_SPECIAL, escapeChar);
}
