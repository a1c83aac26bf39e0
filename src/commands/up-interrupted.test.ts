import { describe, expect, it } from "vitest";
import { useDoSimDeps } from "../../test/helpers/do-sim-deps.ts";
import { sample } from "../../test/helpers/instances.ts";
import { ProviderError } from "../providers/errors.ts";
import type { Provider } from "../providers/types.ts";
import { UpInterruptedError } from "../up/interrupt.ts";
import { settleIfInterrupted } from "./up-interrupted.ts";

const t = useDoSimDeps("up-interrupted");

describe("an interrupted up whose destroy fails", () => {
  it("names the real instance in the hint (not a literal NAME) and keeps the record", async () => {
    const store = await t.deps.state();
    const rec = store.save(sample("box-42", { providerId: "7", status: "creating" }));
    // Only the call the settlement makes: the provider refuses the destroy.
    const provider = {
      name: "digitalocean",
      destroyInstance: async () => {
        throw new ProviderError({
          kind: "authentication",
          provider: "digitalocean",
          message: "401 Unauthorized",
        });
      },
    } as unknown as Provider;
    const err = await settleIfInterrupted(t.deps, new UpInterruptedError(rec.id), {
      store,
      provider,
      signal: "SIGINT",
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "cancelled" });
    expect((err as { hint: string }).hint).toMatch(
      /^It is still in local state: retry with `spuff gc` or `spuff down box-42`\./,
    );
    expect(store.getByName("box-42")).toBeDefined();
  });
});
