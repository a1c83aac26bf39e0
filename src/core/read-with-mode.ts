/**
 * A file's text and its mode from one open (fstat on the descriptor read from), so the mode that
 * is checked is the mode of the bytes that were read, not of a file swapped in between.
 */
import fs from "node:fs";

export function readWithMode(file: string): { text: string; mode: number } {
  const fd = fs.openSync(file, "r");
  try {
    const mode = fs.fstatSync(fd).mode;
    return { mode, text: fs.readFileSync(fd, "utf8") };
  } finally {
    fs.closeSync(fd);
  }
}
