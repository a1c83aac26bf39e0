/** `spuff completion`: definition (the scripts are in completion.ts, loaded only when run). */
import type { CommandDef } from "../cli/command-def.ts";

export const SHELLS = ["bash", "zsh", "fish"] as const;

export const completionCommand: CommandDef = {
  name: "completion",
  description: "print the shell completion script (commands, flags, instance names, config keys)",
  args: [{ name: "shell", required: true, description: SHELLS.join(" | "), complete: "shells" }],
  examples: [
    "echo 'source <(spuff completion bash)' >> ~/.bashrc",
    "spuff completion zsh > ~/.zfunc/_spuff   # with fpath+=(~/.zfunc) before compinit",
    "spuff completion fish > ~/.config/fish/completions/spuff.fish",
  ],
  async run(deps, { args: [shell] }) {
    const { runCompletion } = await import("./completion.ts");
    runCompletion(deps, shell as string);
  },
};
