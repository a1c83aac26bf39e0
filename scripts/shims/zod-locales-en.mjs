// zod's `z` namespace re-exports every locale (`z.locales`, ~50 languages), so a bundle that uses
// `z` carries them all, and each process that loads the config parses them (~half the config
// bundle). spuff's messages are English and nothing reads `z.locales`: keep only English, which
// zod installs itself (`config(en())` in classic/external.js).
export { default as en } from "zod/v4/locales/en.js";
