/**
 * The subset of cloud-init's #cloud-config that spuff emits, typed so the builder cannot produce
 * a key cloud-init does not know or a value of the wrong shape. Names mirror cloud-init's keys
 * exactly (snake_case) because this object is serialized as-is.
 * Reference: https://cloudinit.readthedocs.io/en/latest/reference/modules.html
 */

/** An entry of `users` (cc_users_groups). */
export interface CloudConfigUser {
  name: string;
  /** One sudoers rule. A string, not a list: Debian 12's cloud-init 22.4.2 schema rejects lists. */
  sudo: string;
  shell: string;
  lock_passwd: boolean;
  ssh_authorized_keys: string[];
  groups?: string[];
}

/**
 * Pinned SSH host keys (cc_ssh). Only ed25519 is used: the CLI generated the pair and already
 * trusts the public half, so the first connection needs no trust-on-first-use.
 */
export interface CloudConfigSshKeys {
  ed25519_private: string;
  ed25519_public: string;
}

/** An entry of `write_files` (cc_write_files). */
export interface CloudConfigWriteFile {
  path: string;
  content: string;
  /** Octal mode as a quoted string ("0644"): an unquoted 0644 would be YAML 1.1 octal 420. */
  permissions?: string;
  /** "user:group". */
  owner?: string;
  encoding?:
    | "text/plain"
    | "b64"
    | "base64"
    | "gzip"
    | "gz"
    | "gz+base64"
    | "gzip+base64"
    | "gz+b64"
    | "gzip+b64";
  /** Write in the final stage, after users exist (needed for files owned by the dev user). */
  defer?: boolean;
}

/** runcmd entries are argv arrays only: a string entry would be run through sh and need quoting. */
export type CloudConfigCommand = string[];

export interface CloudConfig {
  hostname?: string;
  manage_etc_hosts?: boolean;
  users?: (CloudConfigUser | "default")[];
  disable_root?: boolean;
  ssh_pwauth?: boolean;
  ssh_keys?: CloudConfigSshKeys;
  ssh_deletekeys?: boolean;
  /** Key types cc_ssh may generate when missing (schema: at least one entry). */
  ssh_genkeytypes?: ("rsa" | "ecdsa" | "ed25519")[];
  package_update?: boolean;
  packages?: string[];
  write_files?: CloudConfigWriteFile[];
  runcmd?: CloudConfigCommand[];
  final_message?: string;
}
