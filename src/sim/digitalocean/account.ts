/**
 * `GET /v2/account` (what `spuff init` and `doctl account get` read to check a token) and one SSH
 * key by its identifier, which DigitalOcean takes as either the numeric id or the MD5 fingerprint.
 * Key creation stays in handler.ts.
 */
import type { SimResponse } from "../server.ts";
import type { DoState, SimKey } from "./state.ts";

/** The simulated account: fixed, so a client can show whose token it holds. */
export const SIM_ACCOUNT = {
  droplet_limit: 25,
  floating_ip_limit: 3,
  email: "sim@spuff.invalid",
  name: "spuff simulator",
  uuid: "5fa0c3e1d2b4a69788f0e1d2c3b4a5968778695a",
  email_verified: true,
  status: "active",
  status_message: "",
};

export function account(): SimResponse {
  return { status: 200, body: { account: SIM_ACCOUNT } };
}

/** The key an identifier names: all digits is an id, anything else a fingerprint. */
function findKey(st: DoState, ident: string): SimKey | undefined {
  if (/^\d+$/.test(ident)) return st.keys.get(Number(ident));
  return [...st.keys.values()].find((k) => k.fingerprint === ident);
}

type Fail = (status: number, id: string, message: string) => SimResponse;

/** GET / PUT (rename) / DELETE `/v2/account/keys/{id or fingerprint}`. */
export function keyByIdent(
  st: DoState,
  method: string,
  ident: string,
  body: Record<string, unknown>,
  err: Fail,
): SimResponse {
  const key = findKey(st, decodeURIComponent(ident));
  if (!key) return err(404, "not_found", "The resource you were accessing could not be found.");
  if (method === "GET") return { status: 200, body: { ssh_key: key } };
  if (method === "PUT") {
    if (body.name !== undefined) {
      if (typeof body.name !== "string" || body.name.trim() === "")
        return err(422, "unprocessable_entity", "Name can't be blank");
      key.name = body.name;
    }
    return { status: 200, body: { ssh_key: key } };
  }
  if (method === "DELETE") {
    st.keys.delete(key.id);
    return { status: 204 };
  }
  return err(404, "not_found", "The resource you were accessing could not be found.");
}
