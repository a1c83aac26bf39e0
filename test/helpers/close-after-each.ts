/** Registers an afterEach that closes what the current test opened last (a simulator, a server). */
import { afterEach } from "vitest";

export function closeAfterEach<T extends { close(): Promise<void> }>(): (opened: T) => T {
  let open: T | undefined;
  afterEach(async () => {
    const o = open;
    open = undefined;
    await o?.close();
  });
  return (opened) => {
    open = opened;
    return opened;
  };
}
