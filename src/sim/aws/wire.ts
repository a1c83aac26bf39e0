/**
 * The EC2 simulator's wire format for the sim frame: form-encoded requests in, XML out. Handlers
 * reply with an `Ec2Reply` (model member names, typed values); only this codec turns it into XML.
 */
import { randomUUID } from "node:crypto";
import type http from "node:http";
import type { SimCodec } from "../server.ts";
import type { Ec2Model } from "./model.ts";
import { errorXml, outputXml } from "./xml.ts";

export interface Ec2Request {
  /** Exact body bytes as text: SigV4 hashes them. */
  raw: string;
  params: URLSearchParams;
  contentType: string;
}

export type Ec2Reply =
  | { action: string; output?: Record<string, unknown> }
  | { error: { code: string; message: string } };

export const ec2Error = (status: number, code: string, message: string) => ({
  status,
  body: { error: { code, message } } satisfies Ec2Reply,
});

export function ec2Codec(model: Ec2Model): SimCodec {
  return {
    decode(raw: string, headers: http.IncomingHttpHeaders): Ec2Request {
      return { raw, params: new URLSearchParams(raw), contentType: String(headers["content-type"] ?? "") };
    },
    label: (body) => (body as Ec2Request).params.get("Action") ?? undefined,
    encode(body) {
      const reply = body as Ec2Reply;
      const id = randomUUID();
      const text =
        "error" in reply
          ? errorXml(reply.error.code, reply.error.message, id)
          : outputXml(model, reply.action, reply.output, id);
      return { text, contentType: "text/xml;charset=UTF-8" };
    },
  };
}
