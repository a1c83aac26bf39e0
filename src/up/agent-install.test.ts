/** The agent's health wait, timed by the injected clock: nothing here sleeps for real. */
import { describe, expect, it } from "vitest";
import { FakeClock } from "../core/clock.ts";
import { untilAgentAnswers } from "./agent-install.ts";

const settle = () => new Promise((r) => setImmediate(r));

describe("untilAgentAnswers on a fake clock", () => {
  it("asks every 50 ms until the agent answers", async () => {
    const clock = new FakeClock();
    let asked = 0;
    const done = untilAgentAnswers(
      async () => {
        asked++;
        if (asked < 4) throw new Error("connect ECONNREFUSED");
      },
      clock,
      10_000,
    );
    await settle();
    expect(asked).toBe(1);
    await clock.advance(49);
    expect(asked).toBe(1);
    await clock.advance(1);
    expect(asked).toBe(2);
    await clock.advance(100);
    await expect(done).resolves.toBeUndefined();
    expect(asked).toBe(4);
  });

  it("gives up once the clock passes the timeout, naming the last error", async () => {
    const clock = new FakeClock();
    let asked = 0;
    let outcome: unknown;
    const done = untilAgentAnswers(
      async () => {
        asked++;
        throw new Error("connect ECONNREFUSED");
      },
      clock,
      1000,
    ).catch((e) => {
      outcome = e;
    });
    await settle();
    await clock.advance(950);
    expect(outcome).toBeUndefined();
    await clock.advance(50);
    await done;
    expect(outcome).toMatchObject({
      code: "agent_not_healthy",
      message: "spuff-agent did not answer: connect ECONNREFUSED",
    });
    expect(asked).toBe(20); // at 0, 50, …, 950 ms: the 21st would be at the deadline
  });

  it("a 401 (the agent holds another token) ends the wait at once", async () => {
    const clock = new FakeClock();
    let asked = 0;
    const done = untilAgentAnswers(
      async () => {
        asked++;
        throw new Error("spuff-agent answered 401 on /status: unauthorized");
      },
      clock,
      10_000,
    );
    await expect(done).rejects.toMatchObject({ code: "agent_not_healthy" });
    expect(asked).toBe(1);
    expect(clock.pendingSleeps).toBe(0);
  });
});
