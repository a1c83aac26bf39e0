/**
 * Who a request speaks for. DigitalOcean has full-access tokens and custom-scoped ones; a scoped
 * token may call only operations whose spec `security` names one of its scopes (the reaper token
 * spuff hands the agent needs just `droplet:delete`).
 */

export interface ScopedToken {
  /** How the simulator's records name it (e.g. "reaper"). */
  name: string;
  token: string;
  scopes: string[];
}

/** `scopes: null` = full access. */
export interface Principal {
  name: string;
  scopes: string[] | null;
}

export function authenticate(
  authorization: string | undefined,
  mainToken: string,
  scoped: readonly ScopedToken[],
): Principal | undefined {
  const m = /^Bearer (.+)$/.exec(authorization ?? "");
  if (!m) return undefined;
  if (m[1] === mainToken) return { name: "main", scopes: null };
  const t = scoped.find((x) => x.token === m[1]);
  return t ? { name: t.name, scopes: t.scopes } : undefined;
}

/**
 * DO lists alternatives in one requirement (DELETE /v2/snapshots/{id}: image:delete or
 * snapshot:delete), so any listed scope admits. An operation unknown to the spec admits only
 * full-access tokens.
 */
export function permits(p: Principal, required: string[] | undefined): boolean {
  if (p.scopes === null) return true;
  return !!required && required.some((s) => p.scopes?.includes(s));
}
