/**
 * Holds simulator traffic to the EC2 model in both directions, for any client (the SDK, awscli):
 * a request EC2 would refuse as malformed, or a response EC2 could never send, is a violation.
 * Same interface as the OpenAPI SpecValidator, so the sim frame treats both alike.
 */
import type { Violation } from "../spec-validator.ts";
import type { Ec2Model } from "./model.ts";
import { decodeQuery } from "./query.ts";
import { checkShape, isPlainObject } from "./shape-check.ts";
import type { Ec2Reply, Ec2Request } from "./wire.ts";

/** Statuses EC2 answers with: 200, client errors (412 = DryRunOperation), 5xx (503 = RequestLimitExceeded). */
const STATUSES = new Set([200, 400, 401, 403, 404, 412, 500, 503]);

export class Ec2ModelValidator {
  readonly violations: Violation[] = [];

  constructor(private readonly model: Ec2Model) {}

  checkRequest(method: string, label: string, query: URLSearchParams, body: unknown): Violation[] {
    const found: string[] = [];
    const req = body as Ec2Request;
    if (method !== "POST") found.push(`method ${method}: the ec2 protocol POSTs`);
    if (!req.contentType.startsWith("application/x-www-form-urlencoded"))
      found.push(`content-type ${JSON.stringify(req.contentType)}: expected a form`);
    if ([...query.keys()].length > 0) found.push("parameters belong in the body, not the URL");
    found.push(...decodeQuery(this.model, req.params).problems);
    return this.record("request", method, label, found);
  }

  checkResponse(method: string, label: string, status: number, body: unknown): Violation[] {
    const found: string[] = [];
    const reply = body as Ec2Reply | undefined;
    if (!STATUSES.has(status)) found.push(`status ${status} is not one EC2 sends`);
    if (!reply) found.push("EC2 always answers with a body");
    else if ("error" in reply) {
      if (status === 200) found.push("an error must not have status 200");
      if (!/^[A-Za-z0-9.]+$/.test(reply.error.code))
        found.push(`bad error code ${JSON.stringify(reply.error.code)}`);
      if (!reply.error.message) found.push("an error needs a message");
    } else {
      const op = this.model.operations[reply.action];
      if (status !== 200) found.push(`a ${reply.action} result must have status 200, not ${status}`);
      if (!op) found.push(`no such operation in the EC2 model: ${reply.action}`);
      else if (reply.action !== label) found.push(`answered ${reply.action} to a ${label} request`);
      else if (op.output) {
        if (!isPlainObject(reply.output)) found.push(`${reply.action} must return ${op.output.shape}`);
        else found.push(...checkShape(this.model, op.output.shape, reply.output, op.output.shape));
      } else if (reply.output && Object.keys(reply.output).length > 0) {
        found.push(`${reply.action} has no output members in the model`);
      }
    }
    return this.record("response", method, label, found);
  }

  private record(direction: Violation["direction"], method: string, label: string, messages: string[]) {
    const v = messages.map((message) => ({ direction, method, path: label, message }));
    this.violations.push(...v);
    return v;
  }
}
