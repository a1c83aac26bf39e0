/**
 * `${VAR}`, `${VAR:-default}` and `$$` (a literal `$`) in spuff.yaml env values, filled from the
 * *local* environment before anything is sent. An unset `${VAR}` without a default is an error
 * naming the variable: silently sending an empty value would break the VM's setup later, far
 * from the cause. A bare `$VAR` is left as is, for the VM's shell.
 *
 * spuff's own credentials are never expanded, whatever the file says and even once it is
 * approved: a cloned repository's spuff.yaml must not be able to carry a cloud token to the VM.
 */

const PATTERN = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

const CREDENTIALS = new Set([
  "DIGITALOCEAN_TOKEN",
  "DIGITALOCEAN_ACCESS_TOKEN",
  "HCLOUD_TOKEN",
  "HETZNER_TOKEN",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_SECURITY_TOKEN",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_CONTAINER_AUTHORIZATION_TOKEN",
]);

/** A variable a project file may never read: a provider credential or anything of spuff's own. */
export function isSpuffCredential(name: string): boolean {
  return CREDENTIALS.has(name) || name.startsWith("SPUFF_");
}

export interface Interpolated {
  value: string;
  /** Variables that had no value and no default. */
  missing: string[];
  /** spuff credentials the text referenced (left unexpanded; the caller refuses the file). */
  forbidden: string[];
}

export function interpolate(text: string, env: NodeJS.ProcessEnv): Interpolated {
  const missing: string[] = [];
  const forbidden: string[] = [];
  const value = text.replace(PATTERN, (whole, name: string | undefined, fallback: string | undefined) => {
    if (whole === "$$") return "$";
    if (isSpuffCredential(name as string)) {
      forbidden.push(name as string);
      return "";
    }
    const v = env[name as string];
    if (v !== undefined && v !== "") return v;
    if (fallback !== undefined) return fallback;
    if (v === undefined) missing.push(name as string);
    return "";
  });
  return { value, missing, forbidden };
}

/** The local variables a text reads (for the approval summary), in order, once each. */
export function referencedVariables(text: string): string[] {
  const names: string[] = [];
  for (const m of text.matchAll(PATTERN)) if (m[1] && !names.includes(m[1])) names.push(m[1]);
  return names;
}
