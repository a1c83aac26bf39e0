/**
 * The environment for the exec tests' commands (run as this host's user, here root). `bash -l`
 * would read root's profile, which on this host runs `pyenv rehash`: a timeout test's SIGKILL
 * landing in it leaves a lock that every later root shell waits up to 60 s on. A home that does
 * not exist (Debian's convention for `nobody`) means no profile; no test depends on one.
 */
export function testEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: "/nonexistent", LANG: "C.UTF-8" };
}
