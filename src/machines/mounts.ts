/** Overlay mounts and network namespaces, idempotent in both directions. */
import fs from "node:fs";
import { readDirOrEmpty } from "../core/read-dir.ts";
import { run } from "./run.ts";

export function isMounted(target: string): boolean {
  const mountinfo = fs.readFileSync("/proc/self/mountinfo", "utf8");
  return mountinfo.split("\n").some((line) => unescapeMount(line.split(" ")[4] ?? "") === target);
}

function unescapeMount(s: string): string {
  return s.replace(/\\(\d{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

export async function mountOverlay(
  lowers: string[],
  upper: string,
  work: string,
  target: string,
): Promise<void> {
  const opts = `lowerdir=${lowers.join(":")},upperdir=${upper},workdir=${work}`;
  await run("mount", ["-t", "overlay", "overlay", "-o", opts, target]);
}

export async function unmount(target: string): Promise<void> {
  if (!isMounted(target)) return;
  try {
    await run("umount", [target]);
  } catch {
    // Busy (a process we could not kill still holds it): detach it now, the kernel frees it later.
    await run("umount", ["-l", target]);
  }
}

export function netnsExists(name: string): boolean {
  return fs.existsSync(`/run/netns/${name}`);
}

export async function addNetns(name: string): Promise<void> {
  await run("ip", ["netns", "add", name]);
  await run("ip", ["-n", name, "link", "set", "lo", "up"]);
}

export async function deleteNetns(name: string): Promise<void> {
  if (netnsExists(name)) await run("ip", ["netns", "del", name]);
}

/** Network namespaces of one data dir (`prefix` + machine id), for gc. */
export function netnsWithPrefix(prefix: string): string[] {
  return readDirOrEmpty("/run/netns").filter((n) => n.startsWith(prefix) && /m-[0-9a-f]{10}$/.test(n));
}

/** Mount points under `dir` (gc: overlays of machines whose folder lost its record). */
export function mountsUnder(dir: string): string[] {
  const mountinfo = fs.readFileSync("/proc/self/mountinfo", "utf8");
  return mountinfo
    .split("\n")
    .map((line) => unescapeMount(line.split(" ")[4] ?? ""))
    .filter((m) => m.startsWith(`${dir}/`));
}
