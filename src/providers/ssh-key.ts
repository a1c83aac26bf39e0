/**
 * The one way a provider makes sure the account knows the user's SSH key: look it up by
 * fingerprint, register it when it is missing, and treat "already exists" as found. Concurrent
 * first `spuff up`s all see the key missing and all register it; the vendor refuses all but one
 * (DigitalOcean 422, Hetzner 409 uniqueness_error, EC2 InvalidKeyPair.Duplicate), and each loser
 * looks the key up again and uses the winner's. Each provider passes its own calls.
 */
export interface KeyRegistry<K> {
  /** The account's key with the user's fingerprint, if it has one. */
  find(): Promise<K | undefined>;
  /** Register the key (a lost response is the provider's HTTP layer's to recover). */
  register(): Promise<K>;
  /** Whether `register` failed because the key (or its name, derived from it) already exists. */
  isDuplicate(err: unknown): boolean;
}

export async function ensureSshKey<K>(r: KeyRegistry<K>): Promise<K> {
  const existing = await r.find();
  if (existing !== undefined) return existing;
  try {
    return await r.register();
  } catch (err) {
    if (!r.isDuplicate(err)) throw err;
    // Someone registered it between our look-up and our request: theirs is ours. A duplicate
    // that is not found by fingerprint (a different key under spuff's name) stays an error.
    const raced = await r.find();
    if (raced !== undefined) return raced;
    throw err;
  }
}

/** spuff's name for a key registered by fingerprint: the same on every machine for the same key. */
export function keyName(fingerprint: string): string {
  return `spuff-${fingerprint.replace(/:/g, "").slice(0, 12)}`;
}
