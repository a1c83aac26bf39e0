// commander requires child_process at load time but only uses it for external subcommands, which
// spuff has none of; loading it eagerly costs ~4 ms of every start-up. Resolve it on first use.
let real;
module.exports = new Proxy(
  {},
  {
    get(_target, key) {
      real ??= require("node:child_process");
      return real[key];
    },
  },
);
