/**
 * What `checkAccount` returns is read from the provider's API and printed to the user's
 * terminal: an account name carrying escape sequences must not reach it as control codes.
 */

/** Control and format characters become "?", whitespace runs one space, at most `max` characters. */
export function printable(text: unknown, max = 120): string {
  const s = String(text ?? "")
    .replace(/\s+/g, " ")
    .replace(/[\p{Cc}\p{Cf}]/gu, "?")
    .trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
