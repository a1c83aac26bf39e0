/**
 * `${VAR}`, `${VAR:-default}` and `$$` (a literal `$`) in spuff.yaml env values, filled from the
 * *local* environment before anything is sent. An unset `${VAR}` without a default is an error
 * naming the variable: silently sending an empty value would break the VM's setup later, far
 * from the cause. A bare `$VAR` is left as is, for the VM's shell.
 */

const PATTERN = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export interface Interpolated {
  value: string;
  /** Variables that had no value and no default. */
  missing: string[];
}

export function interpolate(text: string, env: NodeJS.ProcessEnv): Interpolated {
  const missing: string[] = [];
  const value = text.replace(PATTERN, (whole, name: string | undefined, fallback: string | undefined) => {
    if (whole === "$$") return "$";
    const v = env[name as string];
    if (v !== undefined && v !== "") return v;
    if (fallback !== undefined) return fallback;
    if (v === undefined) missing.push(name as string);
    return "";
  });
  return { value, missing };
}
