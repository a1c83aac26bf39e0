/**
 * Text from elsewhere (a project file, a process name on the VM, an account name from a cloud API)
 * shown on a terminal: control and format characters would let it rewrite the screen or the
 * title, or reorder what the user reads (bidi overrides), so they are shown escaped.
 */
export const visible = (s: string): string =>
  s.replace(
    /[\p{Cc}\p{Cf}\u2028\u2029]/gu,
    (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}`,
  );

/** One line of `visible` text: whitespace runs become one space, at most `max` characters. */
export function visibleLine(text: unknown, max = 120): string {
  const s = visible(
    String(text ?? "")
      .replace(/\s+/g, " ")
      .trim(),
  );
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
