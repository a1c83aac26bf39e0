/**
 * Writes EC2 responses as the ec2 protocol defines them: `<ActionResponse xmlns=…>` holding a
 * `requestId` and the output shape's members under their `locationName`s, list items as the
 * list member's element (`item`). Errors use the envelope the model does not describe:
 * `<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>`.
 */
import { type Ec2Model, shapeOf, xmlElementName } from "./model.ts";
import { isPlainObject } from "./shape-check.ts";

const PROLOG = '<?xml version="1.0" encoding="UTF-8"?>\n';

export function outputXml(
  model: Ec2Model,
  action: string,
  output: Record<string, unknown> | undefined,
  requestId: string,
): string {
  const op = model.operations[action];
  const ns = `${model.metadata.xmlNamespace.replace(/\/$/, "")}/`;
  let inner = el("requestId", escapeXml(requestId));
  if (op?.output && output) inner += members(model, op.output.shape, output);
  return `${PROLOG}<${action}Response xmlns="${ns}">${inner}</${action}Response>`;
}

export function errorXml(code: string, message: string, requestId: string): string {
  const error = el("Error", el("Code", escapeXml(code)) + el("Message", escapeXml(message)));
  return `${PROLOG}<Response>${el("Errors", error)}${el("RequestID", escapeXml(requestId))}</Response>`;
}

function members(model: Ec2Model, shapeName: string, value: Record<string, unknown>): string {
  const shape = shapeOf(model, shapeName);
  if (shape.type !== "structure") return "";
  let out = "";
  for (const [name, ref] of Object.entries(shape.members)) {
    const v = value[name];
    if (v !== undefined) out += el(xmlElementName(name, ref), body(model, ref.shape, v));
  }
  return out;
}

function body(model: Ec2Model, shapeName: string, value: unknown): string {
  const shape = shapeOf(model, shapeName);
  switch (shape.type) {
    case "structure":
      return isPlainObject(value) ? members(model, shapeName, value) : "";
    case "list": {
      const item = shape.member.locationName ?? "member";
      return (value as unknown[]).map((v) => el(item, body(model, shape.member.shape, v))).join("");
    }
    case "map":
      return Object.entries(value as Record<string, unknown>)
        .map(([k, v]) => {
          const key = el(shape.key.locationName ?? "key", body(model, shape.key.shape, k));
          return el(
            "entry",
            key + el(shape.value.locationName ?? "value", body(model, shape.value.shape, v)),
          );
        })
        .join("");
    case "timestamp":
      return (value as Date).toISOString();
    case "blob":
      return Buffer.from(value as Uint8Array).toString("base64");
    default:
      return escapeXml(String(value));
  }
}

const el = (name: string, inner: string) => (inner === "" ? `<${name}/>` : `<${name}>${inner}</${name}>`);

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
