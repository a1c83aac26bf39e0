/**
 * Hetzner's error codes belong to statuses (hetzner-cloud-conventions.json: 409 is
 * uniqueness_error or conflict, never invalid_input). The OpenAPI document only says "4xx" with
 * the error envelope, so this adds the pairing to the simulator's spec check: a duplicate SSH key
 * answered with any other status or code than the vendor's is a violation.
 */
import fs from "node:fs";
import path from "node:path";
import {
  defaultSpecsDir,
  SpecValidator,
  type SpecValidatorOptions,
  type Violation,
} from "../spec-validator.ts";

export const HETZNER_CONVENTIONS = "hetzner-cloud-conventions.json";

interface Conventions {
  error: { codes: { status: number; code: string }[] };
}

export class HetznerSpecValidator extends SpecValidator {
  private readonly codes: Map<string, number>;

  constructor(opts: SpecValidatorOptions) {
    super(opts);
    const file = path.join(opts.specsDir ?? defaultSpecsDir(), HETZNER_CONVENTIONS);
    const conventions = JSON.parse(fs.readFileSync(file, "utf8")) as Conventions;
    this.codes = new Map(conventions.error.codes.map((c) => [c.code, c.status]));
    // Operations document their own codes in an "Operation specific errors" table of their
    // description (firewalls: resource_in_use, firewall_already_applied, …).
    const spec = fs.readFileSync(path.join(opts.specsDir ?? defaultSpecsDir(), opts.spec), "utf8");
    for (const m of spec.matchAll(/\| `(\d{3})` \| `([a-z_]+)` \|/g)) {
      if (!this.codes.has(m[2] ?? "")) this.codes.set(m[2] ?? "", Number(m[1]));
    }
  }

  override checkResponse(method: string, pathname: string, status: number, body: unknown): Violation[] {
    const found = super.checkResponse(method, pathname, status, body);
    const code = (body as { error?: { code?: unknown } } | undefined)?.error?.code;
    if (status < 400 || typeof code !== "string") return found;
    const expected = this.codes.get(code);
    const message =
      expected === undefined
        ? `error code ${JSON.stringify(code)} is not one of Hetzner's`
        : expected !== status
          ? `error code ${code} goes with status ${expected}, not ${status}`
          : undefined;
    if (!message) return found;
    const v: Violation = { direction: "response", method, path: pathname, message };
    this.violations.push(v);
    return [...found, v];
  }
}
