/** Names in a folder, or none when the folder does not exist (yet): spuff's folders appear lazily. */
import fs from "node:fs";

export function readDirOrEmpty(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}
