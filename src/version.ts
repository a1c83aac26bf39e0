/** Injected by the bundler from package.json; the fallback only shows when running unbundled sources. */
declare const __SPUFF_VERSION__: string | undefined;
export const VERSION: string = typeof __SPUFF_VERSION__ === "string" ? __SPUFF_VERSION__ : "0.0.0-dev";
