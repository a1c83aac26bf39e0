/**
 * Checks a value against a botocore shape: the same check for a decoded request and for a
 * response before it is written, so both directions are held to the model's types, enums,
 * required members and min/max bounds.
 */
import { type Ec2Model, shapeOf } from "./model.ts";

export function checkShape(model: Ec2Model, shapeName: string, value: unknown, at: string): string[] {
  const problems: string[] = [];
  walk(model, shapeName, value, at, problems);
  return problems;
}

function walk(model: Ec2Model, shapeName: string, value: unknown, at: string, out: string[]): void {
  const shape = shapeOf(model, shapeName);
  const bad = (msg: string): void => {
    out.push(`${at}: ${msg}`);
  };
  switch (shape.type) {
    case "structure": {
      if (!isPlainObject(value)) {
        bad(`expected a structure (${shapeName})`);
        return;
      }
      for (const key of Object.keys(value)) {
        if (value[key] !== undefined && !shape.members[key]) bad(`${key} is not a member of ${shapeName}`);
      }
      for (const req of shape.required ?? []) if (value[req] === undefined) bad(`missing required ${req}`);
      for (const [name, ref] of Object.entries(shape.members)) {
        if (value[name] !== undefined) walk(model, ref.shape, value[name], `${at}.${name}`, out);
      }
      return;
    }
    case "list": {
      if (!Array.isArray(value)) {
        bad(`expected a list (${shapeName})`);
        return;
      }
      if (shape.min !== undefined && value.length < shape.min) bad(`at least ${shape.min} items`);
      if (shape.max !== undefined && value.length > shape.max) bad(`at most ${shape.max} items`);
      value.forEach((v, i) => {
        walk(model, shape.member.shape, v, `${at}[${i}]`, out);
      });
      return;
    }
    case "map": {
      if (!isPlainObject(value)) {
        bad(`expected a map (${shapeName})`);
        return;
      }
      for (const [k, v] of Object.entries(value)) {
        walk(model, shape.key.shape, k, `${at} key`, out);
        walk(model, shape.value.shape, v, `${at}[${k}]`, out);
      }
      return;
    }
    case "string": {
      if (typeof value !== "string") {
        bad(`expected a string (${shapeName})`);
        return;
      }
      if (shape.enum && !shape.enum.includes(value))
        bad(`${JSON.stringify(value)} is not one of ${shapeName}`);
      if (shape.min !== undefined && value.length < shape.min) bad(`shorter than ${shape.min}`);
      if (shape.max !== undefined && value.length > shape.max) bad(`longer than ${shape.max}`);
      return;
    }
    case "integer":
    case "long": {
      if (typeof value !== "number" || !Number.isInteger(value)) {
        bad(`expected an integer (${shapeName})`);
        return;
      }
      if (shape.type === "integer" && Math.abs(value) > 2 ** 31) bad("outside the 32-bit range");
      if (shape.min !== undefined && value < shape.min) bad(`less than ${shape.min}`);
      if (shape.max !== undefined && value > shape.max) bad(`more than ${shape.max}`);
      return;
    }
    case "double":
    case "float":
      if (typeof value !== "number" || !Number.isFinite(value)) bad(`expected a number (${shapeName})`);
      return;
    case "boolean":
      if (typeof value !== "boolean") bad(`expected a boolean (${shapeName})`);
      return;
    case "timestamp":
      if (!(value instanceof Date) || Number.isNaN(value.getTime()))
        bad(`expected a timestamp (${shapeName})`);
      return;
    case "blob":
      if (!(value instanceof Uint8Array)) bad(`expected binary data (${shapeName})`);
      return;
  }
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return (
    typeof v === "object" &&
    v !== null &&
    !Array.isArray(v) &&
    !(v instanceof Date) &&
    !(v instanceof Uint8Array)
  );
}
