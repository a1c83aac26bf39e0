/**
 * The generated user-data is checked by the validator cloud-init itself ships (Debian 12's
 * `cloud-init schema`, exit code of the non-annotate form) and by both vendored JSON schemas.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import AjvDraft04 from "ajv-draft-04";
import { afterAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { defaultSpecsDir } from "../sim/spec-validator.ts";
import { serializeCloudConfig } from "./serialize.ts";
import { testConfigs } from "./test-configs.ts";

// The shared specs folder beside the checkout (as the simulators find it), wherever it is cloned.
const SPECS = defaultSpecsDir(import.meta.dirname);
const SCHEMAS = ["cloud-config.schema.json", "cloud-config-22.4.2-debian-bookworm.schema.json"];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "spuff-schema-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function cloudInitSchema(text: string, name: string): { code: number | null; output: string } {
  const file = path.join(tmp, `${name}.yaml`);
  fs.writeFileSync(file, text);
  const r = spawnSync("cloud-init", ["schema", "--config-file", file], { encoding: "utf8", timeout: 30_000 });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

// ajv-draft-04 is CommonJS: under NodeNext the default import is module.exports, whose
// .default is the class (at run time both work; the types only accept .default).
const Ajv = AjvDraft04.default;

const validators = SCHEMAS.map((name) => {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  return { name, validate: ajv.compile(JSON.parse(fs.readFileSync(path.join(SPECS, name), "utf8"))) };
});

function parsed(text: string): unknown {
  return YAML.parse(text.replace(/^#cloud-config\n/, ""), { version: "1.1" });
}

const configs = testConfigs();
const texts = Object.entries(configs).map(([name, cfg]) => [name, serializeCloudConfig(cfg)] as const);
// The hand-made negative: permissions as an integer (what unquoted 0644 becomes in YAML 1.1).
const negative = texts[0]![1].replace(`permissions: "0600"`, "permissions: 0600");

describe("cloud-init schema (Debian 22.4.2)", () => {
  for (const [name, text] of texts) {
    it(`accepts ${name}`, () => {
      const r = cloudInitSchema(text, name);
      expect(r.output).toContain("Valid cloud-config");
      expect(r.code).toBe(0);
    });
  }
  it("rejects permissions as an integer (the check can fail)", () => {
    expect(negative).not.toBe(texts[0]![1]);
    const r = cloudInitSchema(negative, "negative");
    expect(r.code).not.toBe(0);
    expect(r.output).toContain("permissions");
  });
});

describe.each(validators)("ajv against $name", ({ validate }) => {
  for (const [name, text] of texts) {
    it(`accepts ${name}`, () => {
      const ok = validate(parsed(text));
      expect(validate.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
    });
  }
  it("rejects permissions as an integer and an empty ssh_genkeytypes", () => {
    expect(validate(parsed(negative))).toBe(false);
    expect(JSON.stringify(validate.errors)).toContain("permissions");
    expect(validate({ ssh_genkeytypes: [] })).toBe(false);
  });
});
