/**
 * Text from a machine (a repository path, a git message) made safe for the user's terminal:
 * control characters (escape sequences included) and bidirectional overrides become "?", and
 * the length is bounded. The machine is not trusted to decide what the terminal does.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function printable(text: unknown, max = 300): string {
  const s = String(text).replace(UNSAFE, "?");
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
