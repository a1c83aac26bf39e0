/**
 * The whole command table. Each action lazy-imports its command file, so start-up only pays for
 * commander and the command actually run.
 */
import { Command, Option } from "@commander-js/extra-typings";
import { VERSION } from "../version.ts";
import type { Deps } from "./deps.ts";

const PROVIDERS = ["local", "digitalocean", "hetzner", "aws"] as const;

type Define = (program: Command, deps: Deps, argv: readonly string[]) => void;

/**
 * Build the program. Defining every command costs a few ms of start-up, so when the first argument
 * names a command only that one is defined; help and unknown commands get the full table.
 */
export function buildProgram(deps: Deps, argv: readonly string[] = []): Command {
  const program = new Command("spuff")
    .description("Ephemeral development machines in your own cloud account.")
    .version(VERSION, "-V, --version", "print the version")
    .option("-v, --verbose", "debug logging to stderr (same as SPUFF_LOG=debug)")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => deps.io.out.write(s),
      writeErr: (s) => deps.io.err.write(s),
      // main.ts prints usage errors in spuff's own format (and as JSON with --json).
      outputError: () => {},
    })
    .showSuggestionAfterError(true)
    .addHelpText(
      "after",
      `
Examples:
  $ spuff init --defaults            write a config for the free local provider
  $ spuff config set region fra1     change one setting (validated before it is saved)
  $ spuff list --json                every instance spuff knows about, as JSON

Environment:
  SPUFF_CONFIG_DIR   config and state directory (default ~/.config/spuff)
  SPUFF_DATA_DIR     images and local machines (default ~/.local/share/spuff)
  SPUFF_LOG          debug | info | warn | error (logs go to stderr, secrets redacted)
  DIGITALOCEAN_TOKEN, HCLOUD_TOKEN, AWS_PROFILE / AWS_ACCESS_KEY_ID   provider credentials
  DIGITALOCEAN_API_URL   DigitalOcean API base URL (e.g. a local spuff-sim)`,
    );

  const first = argv.find((a) => !a.startsWith("-"));
  const chosen = COMMANDS.filter((c) => c.names.includes(first ?? ""));
  for (const c of chosen.length > 0 ? chosen : COMMANDS) c.define(program, deps, argv);
  return program;
}

const defineInit: Define = (program, deps) => {
  program
    .command("init")
    .description("create the config file (interactive, or --defaults with flags)")
    .option("--defaults", "do not ask: use defaults and the flags given")
    .addOption(new Option("--provider <name>", "cloud provider").choices(PROVIDERS))
    .option("--region <region>", "region / location")
    .option("--size <size>", "instance size / type")
    .option("--ssh-key <path>", "private key used to log in (its .pub is installed on the VM)")
    .option("--idle-timeout <duration>", "destroy after this much inactivity, e.g. 30m")
    .option("--token-stdin", "read the provider API token from standard input")
    .option("--force", "overwrite an existing config file")
    .option("--json", "print the result as JSON")
    .addHelpText(
      "after",
      '\nExamples:\n  $ spuff init\n  $ echo "$TOKEN" | spuff init --defaults --provider hetzner --token-stdin',
    )
    .action(async (opts) => {
      const { runInit } = await import("../commands/init.ts");
      await runInit(deps, opts);
    });
};

const defineConfig: Define = (program, deps) => {
  const config = program.command("config").description("show or change settings");
  config
    .command("show")
    .description("print the effective settings (secrets masked)")
    .option("--json", "print as JSON")
    .action(async () => {
      const { runConfigShow } = await import("../commands/config.ts");
      await runConfigShow(deps);
    });
  config
    .command("get")
    .description("print one setting")
    .argument("<key>", "dotted key, e.g. timeouts.ssh_login")
    .option("--json", "print as JSON")
    .option("--reveal", "print secrets in clear")
    .action(async (key, opts) => {
      const { runConfigGet } = await import("../commands/config.ts");
      await runConfigGet(deps, key, opts);
    });
  config
    .command("set")
    .description("change one setting; the file is left unchanged if the value is invalid")
    .argument("<key>", "dotted key, e.g. idle_timeout")
    .argument("<value>", "new value ('-' reads it from stdin, for tokens)")
    .addHelpText(
      "after",
      "\nExamples:\n  $ spuff config set region fra1\n  $ spuff config set idle_timeout 45m\n  $ spuff config set digitalocean.token - < token.txt",
    )
    .action(async (key, value) => {
      const { runConfigSet } = await import("../commands/config.ts");
      await runConfigSet(deps, key, value);
    });
  config
    .command("unset")
    .description("remove one setting (back to its default)")
    .argument("<key>", "dotted key")
    .action(async (key) => {
      const { runConfigUnset } = await import("../commands/config.ts");
      await runConfigUnset(deps, key);
    });
  config
    .command("edit")
    .description("open the config in $EDITOR; it is validated before it replaces the file")
    .action(async () => {
      const { runConfigEdit } = await import("../commands/config.ts");
      await runConfigEdit(deps);
    });
  config
    .command("path")
    .description("print the config file's path")
    .option("--json", "print as JSON")
    .action(async () => {
      const { runConfigPath } = await import("../commands/config.ts");
      runConfigPath(deps);
    });
};

const defineList: Define = (program, deps) => {
  program
    .command("list")
    .alias("ls")
    .description("list the instances spuff knows about")
    .option("--live", "also ask each provider: status at the provider and hourly price")
    .option("--json", "print as JSON")
    .action(async (opts) => {
      const { runList } = await import("../commands/list.ts");
      await runList(deps, opts);
    });
};

const defineStatus: Define = (program, deps) => {
  program
    .command("status")
    .description("show one instance: local state, the provider's view (price) and its agent's report")
    .argument("[name]", "instance name")
    .option("--local", "local state only: no provider or agent call")
    .option("--detailed", "also the agent's metrics (CPU, memory, disk) and idle countdown")
    .option("--json", "print as JSON")
    .action(async (name, opts) => {
      const { runStatus } = await import("../commands/status.ts");
      await runStatus(deps, name, opts);
    });
};

const defineSshConfig: Define = (program, deps) => {
  const sc = program
    .command("ssh-config")
    .description(
      "OpenSSH integration: `ssh spuff-NAME`, scp, rsync and VS Code use spuff's pinned host keys",
    );
  sc.command("show", { isDefault: true })
    .description("print spuff's ssh_config (one Host block per instance)")
    .option("--json", "print as JSON")
    .action(async () => {
      const { runSshConfigShow } = await import("../commands/ssh-config.ts");
      await runSshConfigShow(deps);
    });
  sc.command("install")
    .description("add one Include line to ~/.ssh/config (shows the change, keeps a backup, idempotent)")
    .option("-y, --yes", "do not ask for confirmation")
    .option("--json", "print the result as JSON")
    .action(async (opts) => {
      const { runSshConfigInstall } = await import("../commands/ssh-config.ts");
      await runSshConfigInstall(deps, opts);
    });
};

const defineDown: Define = (program, deps) => {
  program
    .command("down")
    .description("destroy an instance, wait until the provider reports it gone, and forget it locally")
    .argument("[name]", "instance name (default: the only one)")
    .option("--snapshot", "snapshot it first (down stops if the snapshot fails)")
    .option("-y, --yes", "do not ask for confirmation")
    .option("--force", "do not ask, and forget the local record even if the provider call fails")
    .option("--json", "print the result as JSON")
    .action(async (name, opts) => {
      const { runDown } = await import("../commands/down.ts");
      await runDown(deps, name, opts);
    });
};

const defineSnapshot: Define = (program, deps) => {
  const snapshot = program.command("snapshot").description("manage instance snapshots at the provider");
  snapshot
    .command("create")
    .description("snapshot an instance; returns when the provider says it is usable")
    .argument("[instance]", "instance name (default: the only one)")
    .option("--name <snap>", "snapshot name (default: INSTANCE-YYYYMMDD-HHMMSS)")
    .option("--json", "print the snapshot as JSON")
    .action(async (instance, opts) => {
      const { runSnapshotCreate } = await import("../commands/snapshot.ts");
      await runSnapshotCreate(deps, instance, opts);
    });
  snapshot
    .command("list")
    .alias("ls")
    .description("list the account's instance snapshots")
    .addOption(new Option("--provider <name>", "cloud provider").choices(PROVIDERS))
    .option("--json", "print as JSON")
    .action(async (opts) => {
      const { runSnapshotList } = await import("../commands/snapshot.ts");
      await runSnapshotList(deps, opts);
    });
  snapshot
    .command("delete")
    .description("delete a snapshot (succeeds if it is already gone)")
    .argument("<id>", "snapshot id, from `spuff snapshot list`")
    .addOption(new Option("--provider <name>", "cloud provider").choices(PROVIDERS))
    .option("--json", "print the result as JSON")
    .action(async (id, opts) => {
      const { runSnapshotDelete } = await import("../commands/snapshot.ts");
      await runSnapshotDelete(deps, id, opts);
    });
};

const defineUp: Define = (program, deps) => {
  program
    .command("up")
    .description("create an instance, wait until SSH and cloud-init are done, and connect")
    .argument("[name]", "instance name (default: spuff-<8 hex>)")
    .addOption(new Option("--provider <name>", "cloud provider").choices(PROVIDERS))
    .option("--region <region>", "region / location")
    .option("--size <size>", "instance size / type")
    .option("--image <image>", "image slug or id")
    .option("--snapshot <id>", "start from a snapshot (spuff snapshot list)")
    .option("--no-connect", "stop when ready and print how to connect")
    .option("--allow-setup-failure", "exit 0 even if a spuff.yaml setup step fails (the instance is kept)")
    .option("--dry-run", "print the plan and user-data; call no provider")
    .option("--json", "NDJSON progress events, then the result (with --dry-run: the plan)")
    .action(async (name, opts) => {
      const { runUp } = await import("../commands/up.ts");
      await runUp(deps, name, opts);
    });
};

const defineGc: Define = (program, deps) => {
  program
    .command("gc")
    .description(
      "find and remove what spuff left behind: untracked tagged instances, dead records, powered-off and expired instances",
    )
    .addOption(new Option("--provider <name>", "only this provider").choices(PROVIDERS))
    .option("--dry-run", "only list what would be removed")
    .option("-y, --yes", "do not ask for confirmation (required without a terminal)")
    .option("--json", "print what was found and done as JSON")
    .action(async (opts) => {
      const { runGc } = await import("../commands/gc.ts");
      await runGc(deps, opts);
    });
};

/** Every top-level command: its names (with aliases) and how to define it. Order = order in --help. */
const defineImage: Define = (program, deps) => {
  const image = program.command("image").description("local machine images (for the local provider)");
  image
    .command("build")
    .description("build a Debian image from Debian's packages (debootstrap; needs root)")
    .option("--distro <name>", "image to build", "debian-12")
    .option("--mirror <url>", "Debian mirror (default http://deb.debian.org/debian, or $SPUFF_DEBIAN_MIRROR)")
    .option("--force", "rebuild even if it exists (refused while machines use it)")
    .option("--json", "print the image as JSON")
    .action(async (opts) => {
      const { runImageBuild } = await import("../commands/image.ts");
      await runImageBuild(deps, opts);
    });
  image
    .command("list")
    .alias("ls")
    .description("list built images and saved machine snapshots")
    .option("--json", "print as JSON")
    .action(async () => {
      const { runImageList } = await import("../commands/image.ts");
      await runImageList(deps);
    });
  image
    .command("rm")
    .description("remove an image (refused while machines or snapshots use it)")
    .argument("<name>", "image name, from `spuff image list`")
    .option("--json", "print the result as JSON")
    .action(async (name) => {
      const { runImageRm } = await import("../commands/image.ts");
      await runImageRm(deps, name);
    });
};

const defineLocal: Define = (program, deps) => {
  const local = program.command("local").description("the real machines behind the local provider");
  local
    .command("list")
    .alias("ls")
    .description("list local machines (running or left by an interrupted command)")
    .option("--json", "print as JSON")
    .action(async () => {
      const { runLocalList } = await import("../commands/local.ts");
      await runLocalList(deps);
    });
  local
    .command("destroy")
    .description("stop machines and remove everything they had")
    .argument("<id...>", "machine ids, from `spuff local list`")
    .option("--json", "print the result as JSON")
    .action(async (ids) => {
      const { runLocalDestroy } = await import("../commands/local.ts");
      await runLocalDestroy(deps, ids);
    });
  local
    .command("gc")
    .description("clean what interrupted or stopped machines left (processes, mounts, namespaces)")
    .option("--json", "print what was cleaned as JSON")
    .action(async () => {
      const { runLocalGc } = await import("../commands/local.ts");
      await runLocalGc(deps);
    });
};

const defineSsh: Define = (program, deps) => {
  program
    .command("ssh")
    .description("open a shell on an instance (host key pinned, agent forwarded per config)")
    .argument("[name]", "instance name (default: the only one)")
    .action(async (name) => {
      const { runSsh } = await import("../commands/ssh.ts");
      await runSsh(deps, name);
    });
};

const defineExec: Define = (program, deps, argv) => {
  program
    .command("exec")
    .description("run a command on an instance; its exit code becomes spuff's")
    .usage("[name] -- <command> [args...]")
    .argument("[args...]", "instance name, then -- and the command")
    .option("--json", "print stdout, stderr and the exit code as JSON")
    .allowUnknownOption()
    .action(async () => {
      // Split the raw argv at `--`: commander would otherwise read the command's own flags.
      const rest = argv.slice(argv.indexOf("exec") + 1);
      const dash = rest.indexOf("--");
      const before = (dash === -1 ? rest : rest.slice(0, dash)).filter((a) => a !== "--json");
      const command = dash === -1 ? [] : rest.slice(dash + 1);
      const { runExec } = await import("../commands/ssh.ts");
      await runExec(deps, before, command);
    });
};

const defineLogs: Define = (program, deps) => {
  program
    .command("logs")
    .description("the tail of a log on the instance (default /var/log/cloud-init-output.log)")
    .argument("[name]", "instance name (default: the only one)")
    .option("-f, --follow", "keep printing what is appended, until Ctrl-C")
    .option("-n, --lines <n>", "how many lines (1–10000)", "100")
    .option("--file <path>", "another log under the VM's /var/log")
    .option("--setup", "the spuff.yaml setup steps' logs (with -f: the running step's)")
    .option("--bundle <name>", "one tool bundle's install log")
    .option("--json", "print as JSON (with -f: one JSON line per log line)")
    .action(async (name, opts) => {
      const { runLogs } = await import("../commands/logs.ts");
      await runLogs(deps, name, opts);
    });
};

const defineTunnel: Define = (program, deps) => {
  program
    .command("tunnel")
    .description("forward local ports to the instance's loopback over the pinned SSH connection")
    .argument("[name]", "instance name (default: the only one)")
    .option(
      "-p, --port <port[:remote]>",
      "local 127.0.0.1:PORT → the VM's 127.0.0.1:REMOTE (repeatable; local 0 = any free port)",
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option("--json", "print the mapping as one JSON line")
    .addHelpText(
      "after",
      "\nExamples:\n  $ spuff tunnel -p 8080 -p 15432:5432\n  $ spuff tunnel box -p 0:3000 --json",
    )
    .action(async (name, opts) => {
      const { runTunnel } = await import("../commands/tunnel.ts");
      await runTunnel(deps, name, opts);
    });
};

const defineAgent: Define = (program, deps) => {
  const agent = program
    .command("agent")
    .description("the instance's spuff-agent endpoints, raw (through the pinned tunnel, with the token)");
  for (const endpoint of ["status", "metrics", "processes", "logs"] as const) {
    const cmd = agent
      .command(endpoint)
      .description(`GET /${endpoint}`)
      .argument("[name]", "instance name (default: the only one)")
      .option("--json", "print the agent's answer as JSON");
    if (endpoint === "logs") cmd.option("-n, --lines <n>", "how many lines (1–10000)", "100");
    cmd.action(async (name, opts) => {
      const { runAgent } = await import("../commands/agent.ts");
      await runAgent(deps, endpoint, name, opts as { lines?: string });
    });
  }
};

const COMMANDS: { names: string[]; define: Define }[] = [
  { names: ["init"], define: defineInit },
  { names: ["config"], define: defineConfig },
  { names: ["list", "ls"], define: defineList },
  { names: ["status"], define: defineStatus },
  { names: ["up"], define: defineUp },
  { names: ["down"], define: defineDown },
  { names: ["snapshot"], define: defineSnapshot },
  { names: ["gc"], define: defineGc },
  { names: ["ssh-config"], define: defineSshConfig },
  { names: ["ssh"], define: defineSsh },
  { names: ["exec"], define: defineExec },
  { names: ["logs"], define: defineLogs },
  { names: ["tunnel"], define: defineTunnel },
  { names: ["agent"], define: defineAgent },
  { names: ["image"], define: defineImage },
  { names: ["local"], define: defineLocal },
];
