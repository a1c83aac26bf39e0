/**
 * The command table: every top-level command's definition, in the order of `spuff --help`.
 * Adding a command = one `commands/<verb>.def.ts` + one line here.
 */
import { agentCommand } from "../commands/agent.def.ts";
import { codeCommand } from "../commands/code.def.ts";
import { completionCommand } from "../commands/completion.def.ts";
import { configCommand } from "../commands/config.def.ts";
import { costCommand } from "../commands/cost.def.ts";
import { downCommand } from "../commands/down.def.ts";
import { gcCommand } from "../commands/gc.def.ts";
import { imageCommand } from "../commands/image.def.ts";
import { initCommand } from "../commands/init.def.ts";
import { listCommand } from "../commands/list.def.ts";
import { localCommand } from "../commands/local.def.ts";
import { logsCommand } from "../commands/logs.def.ts";
import { prebuildCommand } from "../commands/prebuild.def.ts";
import { snapshotCommand } from "../commands/snapshot.def.ts";
import { execCommand, sshCommand } from "../commands/ssh.def.ts";
import { sshConfigCommand } from "../commands/ssh-config.def.ts";
import { statusCommand } from "../commands/status.def.ts";
import { trustCommand } from "../commands/trust.def.ts";
import { tunnelCommand } from "../commands/tunnel.def.ts";
import { upCommand } from "../commands/up.def.ts";
import { volumeCommand } from "../commands/volume.def.ts";
import type { CommandDef } from "./command-def.ts";

export const COMMANDS: readonly CommandDef[] = [
  initCommand,
  configCommand,
  listCommand,
  statusCommand,
  costCommand,
  upCommand,
  trustCommand,
  downCommand,
  snapshotCommand,
  prebuildCommand,
  volumeCommand,
  gcCommand,
  sshConfigCommand,
  sshCommand,
  execCommand,
  codeCommand,
  logsCommand,
  tunnelCommand,
  agentCommand,
  imageCommand,
  localCommand,
  completionCommand,
];
