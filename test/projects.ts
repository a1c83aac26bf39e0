/**
 * Which test file runs in which vitest project (vitest.config.ts). Every test file not listed here
 * is `unit`: no root, no machines, nothing beyond loopback, no built bundle, fast. test/projects.test.ts
 * checks each file against what it uses, so a new file that starts an sshd or boots a machine and is
 * not listed here fails that test with the line to add.
 */

/** Real local machines (root, systemd-nspawn or qemu, the shared Debian image). */
export const MACHINES = [
  "src/machines/engine.test.ts",
  "src/machines/engine-gc.test.ts",
  "src/machines/qemu.test.ts",
  "src/machines/qemu-snapshot.test.ts",
  "src/machines/slirp.test.ts",
  "src/providers/local/snapshot.test.ts",
  "src/volumes/volume-mount.test.ts",
  "src/sim/machine-backend.test.ts",
  "src/sim/machine-backend-snapshot.test.ts",
  "test/e2e/agent-exec-scope.test.ts",
  "test/e2e/bundles-local.test.ts",
  "test/e2e/faults-real-machine.test.ts",
  "test/e2e/firewall-real-machine.test.ts",
  "test/e2e/idle-teardown.test.ts",
  "test/e2e/prebuild-do.test.ts",
  "test/e2e/prebuild-local.test.ts",
  "test/e2e/project-env.test.ts",
  "test/e2e/snapshot-secrets.test.ts",
  "test/e2e/spot-interruption.test.ts",
  "test/e2e/tunnel-auto.test.ts",
  "test/e2e/unsaved-guard.test.ts",
  "test/e2e/up-progress.test.ts",
  "test/e2e/up-real-machine.test.ts",
  "test/e2e/volume-journey.test.ts",
  "test/e2e/volume-journey-local.test.ts",
  "src/machines/volume-attach.test.ts",
  "src/machines/volume-qemu.test.ts",
];

/** The built binaries (dist/), a real OpenSSH sshd, the official hcloud and aws clients. */
export const E2E = [
  "test/e2e/sim-paste-lines.test.ts",
  "src/commands/logs-follow.test.ts",
  "test/e2e/project-trust.test.ts",
  "test/e2e/code.test.ts",
  "src/up/host-key-rotate.test.ts",
  "src/project/git-hosts.test.ts",
  "src/agent/agent-hostile.test.ts",
  "src/agent/agent-process.test.ts",
  "src/commands/tunnel.test.ts",
  "src/commands/tunnel-auto.test.ts",
  "src/providers/aws/awscli.test.ts",
  "src/providers/hetzner/hcloud-cli.test.ts",
  "src/ssh/agent-client.test.ts",
  "src/ssh/connect.test.ts",
  "src/ssh/exec.test.ts",
  "src/ssh/forward.test.ts",
  "src/ssh/shell.test.ts",
  "src/ssh/ssh-config.test.ts",
  "src/ssh/upload.test.ts",
  "src/ssh/wait.test.ts",
  "src/up/cloud-init-log.test.ts",
  "src/up/cloud-init-wait.test.ts",
  "test/e2e/cli.test.ts",
  "test/e2e/code-cache.test.ts",
  "test/e2e/completion.test.ts",
  "test/e2e/cost.test.ts",
  "test/e2e/down-confirm.test.ts",
  "test/e2e/gc-reaper.test.ts",
  "test/e2e/init-check.test.ts",
  "test/e2e/install.test.ts",
  "test/e2e/kill-point.test.ts",
  "test/e2e/kill-point-volume.test.ts",
  "test/e2e/project-plan.test.ts",
  "test/e2e/state-concurrency.test.ts",
  "test/e2e/up-dry-run.test.ts",
  "test/e2e/up-interrupt.test.ts",
];

export const ALL_TESTS = ["src/**/*.test.ts", "test/**/*.test.ts"];
