/**
 * The botocore EC2 service model (../shared/specs/aws-ec2-2016-11-15.spuff.json) and the `ec2`
 * protocol's naming rules: the one source of truth for how the simulator reads requests and
 * writes responses, so both follow the vendor's definition rather than our guess.
 */
import fs from "node:fs";
import path from "node:path";
import { defaultSpecsDir } from "../spec-validator.ts";

export const EC2_MODEL_FILE = "aws-ec2-2016-11-15.spuff.json";
export const EC2_API_VERSION = "2016-11-15";

export interface MemberRef {
  shape: string;
  locationName?: string;
  queryName?: string;
}

export type Shape =
  | { type: "structure"; members: Record<string, MemberRef>; required?: string[] }
  | { type: "list"; member: MemberRef; min?: number; max?: number }
  | { type: "map"; key: MemberRef; value: MemberRef }
  | { type: "string"; enum?: string[]; min?: number; max?: number }
  | { type: "integer" | "long"; min?: number; max?: number }
  | { type: "boolean" | "timestamp" | "blob" | "double" | "float" };

export interface Operation {
  name: string;
  input?: { shape: string };
  output?: { shape: string };
}

export interface Ec2Model {
  metadata: { apiVersion: string; xmlNamespace: string; protocol: string };
  operations: Record<string, Operation>;
  shapes: Record<string, Shape>;
  paginators?: Record<string, { input_token: string; output_token: string; limit_key?: string }>;
}

const cache = new Map<string, Ec2Model>();

/** Parsed once per file: the model is 370 KB and every simulator instance shares it read-only. */
export function loadEc2Model(specsDir: string = defaultSpecsDir()): Ec2Model {
  const file = path.join(specsDir, EC2_MODEL_FILE);
  let model = cache.get(file);
  if (!model) {
    if (!fs.existsSync(file)) {
      throw new Error(`EC2 service model not found: ${file} (pass specsDir / --specs-dir)`);
    }
    model = JSON.parse(fs.readFileSync(file, "utf8")) as Ec2Model;
    if (model.metadata.protocol !== "ec2") throw new Error(`${file} is not an ec2-protocol model`);
    cache.set(file, model);
  }
  return model;
}

export function shapeOf(model: Ec2Model, name: string): Shape {
  const s = model.shapes[name];
  if (!s) throw new Error(`EC2 model has no shape ${name}`);
  return s;
}

/**
 * A request member's form-field name in the ec2 protocol: queryName, else locationName with its
 * first letter upper-cased, else the member name. (Lists add `.N` after it, never an item name.)
 */
export function queryFieldName(memberName: string, ref: MemberRef): string {
  if (ref.queryName) return ref.queryName;
  if (ref.locationName) return ref.locationName.charAt(0).toUpperCase() + ref.locationName.slice(1);
  return memberName;
}

/** A response member's XML element name: locationName, else the member name. */
export function xmlElementName(memberName: string, ref: MemberRef): string {
  return ref.locationName ?? memberName;
}
