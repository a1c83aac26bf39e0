/** Injected by the bundler from package.json; the fallback only shows when running unbundled sources. */
declare const __SPUFF_VERSION__: string | undefined;
export const VERSION: string = typeof __SPUFF_VERSION__ === "string" ? __SPUFF_VERSION__ : "0.0.0-dev";

/**
 * A hash of the sources the bundle was built from (scripts/build.mjs): a cache of anything the
 * code computes (the validated config) is only reused by the build that wrote it. Unbundled: none.
 */
declare const __SPUFF_BUILD_ID__: string | undefined;
export const BUILD_ID: string | undefined =
  typeof __SPUFF_BUILD_ID__ === "string" ? __SPUFF_BUILD_ID__ : undefined;
