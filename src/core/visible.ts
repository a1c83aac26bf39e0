/**
 * Text from elsewhere (a project file, a process name on the VM) shown on a terminal: control
 * characters would let it rewrite the screen or the title, so they are shown escaped.
 */
export const visible = (s: string): string =>
  s.replace(
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
