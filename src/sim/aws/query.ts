/**
 * Reads an EC2 Query request (form fields such as `TagSpecification.1.Tag.2.Key`) into a value
 * tree keyed by the model's member names, the way EC2 itself interprets it: walking the
 * operation's input shape. Fields the shape has no place for, values that do not parse as their
 * type, and gaps in list numbering are problems; so is anything `checkShape` rejects.
 */
import { EC2_API_VERSION, type Ec2Model, queryFieldName, shapeOf } from "./model.ts";
import { checkShape } from "./shape-check.ts";

export interface DecodedQuery {
  action: string;
  /** Model member names → typed values (Date, Uint8Array, number, boolean, string, arrays). */
  input: Record<string, unknown>;
  problems: string[];
}

export function decodeQuery(model: Ec2Model, params: URLSearchParams): DecodedQuery {
  const problems: string[] = [];
  const action = params.get("Action") ?? "";
  const op = model.operations[action];
  if (!op)
    return { action, input: {}, problems: [`no such operation in the EC2 model: ${JSON.stringify(action)}`] };
  if (params.get("Version") !== EC2_API_VERSION)
    problems.push(`Version must be ${EC2_API_VERSION}, got ${JSON.stringify(params.get("Version"))}`);
  const fields = new Map<string, string>();
  for (const [k, v] of params) {
    if (fields.has(k)) problems.push(`${k}: sent more than once`);
    fields.set(k, v);
  }
  const used = new Set(["Action", "Version"]);
  const reader = { model, fields, used, problems };
  const input = op.input ? (readStructure(reader, op.input.shape, "") ?? {}) : {};
  for (const k of fields.keys()) if (!used.has(k)) problems.push(`${k}: unknown parameter for ${action}`);
  // Parsing reported fields that are not of their type; checkShape adds required members, enums, bounds.
  if (op.input) problems.push(...checkShape(model, op.input.shape, input, action));
  return { action, input, problems };
}

interface Reader {
  model: Ec2Model;
  fields: Map<string, string>;
  used: Set<string>;
  problems: string[];
}

const join = (prefix: string, name: string) => (prefix ? `${prefix}.${name}` : name);

function hasUnder(r: Reader, prefix: string): boolean {
  for (const k of r.fields.keys()) if (k.startsWith(`${prefix}.`)) return true;
  return false;
}

function readValue(r: Reader, shapeName: string, key: string): unknown {
  const shape = shapeOf(r.model, shapeName);
  switch (shape.type) {
    case "structure":
      return hasUnder(r, key) ? readStructure(r, shapeName, key) : undefined;
    case "list": {
      // ec2 lists are always flattened: Name.1, Name.2 … (member names never appear on the wire).
      const indexes = listIndexes(r, key);
      if (indexes.length === 0) return undefined;
      if (indexes.some((n, i) => n !== i + 1))
        r.problems.push(`${key}: list positions must be 1…N, got ${indexes.join(",")}`);
      return indexes.map((n) => readValue(r, shape.member.shape, `${key}.${n}`));
    }
    case "map": {
      const base = `${key}.entry`;
      const indexes = listIndexes(r, base);
      if (indexes.length === 0) return undefined;
      const out: Record<string, unknown> = {};
      for (const n of indexes) {
        const k = readValue(r, shape.key.shape, `${base}.${n}.${shape.key.locationName ?? "key"}`);
        const v = readValue(r, shape.value.shape, `${base}.${n}.${shape.value.locationName ?? "value"}`);
        out[String(k)] = v;
      }
      return out;
    }
    default: {
      const raw = r.fields.get(key);
      if (raw === undefined) return undefined;
      r.used.add(key);
      return parseScalar(shape.type, raw, (m) => r.problems.push(`${key}: ${m}`));
    }
  }
}

function readStructure(r: Reader, shapeName: string, prefix: string): Record<string, unknown> | undefined {
  const shape = shapeOf(r.model, shapeName);
  if (shape.type !== "structure") return undefined;
  const out: Record<string, unknown> = {};
  for (const [name, ref] of Object.entries(shape.members)) {
    const v = readValue(r, ref.shape, join(prefix, queryFieldName(name, ref)));
    if (v !== undefined) out[name] = v;
  }
  return out;
}

function listIndexes(r: Reader, key: string): number[] {
  const found = new Set<number>();
  const head = `${key}.`;
  for (const k of r.fields.keys()) {
    if (!k.startsWith(head)) continue;
    const seg = k.slice(head.length).split(".")[0] ?? "";
    if (/^\d+$/.test(seg)) found.add(Number(seg));
  }
  return [...found].sort((a, b) => a - b);
}

function parseScalar(type: string, raw: string, bad: (m: string) => void): unknown {
  switch (type) {
    case "integer":
    case "long":
      if (!/^-?\d+$/.test(raw)) bad(`${JSON.stringify(raw)} is not an integer`);
      return Number(raw);
    case "double":
    case "float":
      if (!Number.isFinite(Number(raw)) || raw.trim() === "") bad(`${JSON.stringify(raw)} is not a number`);
      return Number(raw);
    case "boolean":
      if (raw !== "true" && raw !== "false") bad(`${JSON.stringify(raw)} is not true/false`);
      return raw === "true";
    case "timestamp": {
      // The ec2 protocol sends timestamps as ISO 8601.
      const d = new Date(raw);
      if (!/^\d{4}-\d{2}-\d{2}T/.test(raw) || Number.isNaN(d.getTime()))
        bad(`${JSON.stringify(raw)} is not ISO 8601`);
      return d;
    }
    case "blob":
      if (raw.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(raw)) bad("is not base64");
      return new Uint8Array(Buffer.from(raw, "base64"));
    default:
      return raw;
  }
}
