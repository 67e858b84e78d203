import { describe, expect, it } from "@jest/globals";
import { sleep } from "../time.js";

describe("sleep", () => {
  it("resolves after the time has passed", async () => {
    const start = Date.now();
    await sleep(60);
    expect(Date.now() - start).toBeGreaterThanOrEqual(55);
  });

  it("resolves as soon as the signal aborts", async () => {
    const ac = new AbortController();
    const start = Date.now();
    const waiting = sleep(10_000, ac.signal);
    setTimeout(() => ac.abort(), 20);
    await waiting;
    expect(Date.now() - start).toBeLessThan(2_000);
  });

  it("resolves at once for a signal that has already aborted", async () => {
    const ac = new AbortController();
    ac.abort();
    const start = Date.now();
    await sleep(10_000, ac.signal);
    expect(Date.now() - start).toBeLessThan(1_000);
  });

  it("removes its abort listener when the time passes first", async () => {
    const ac = new AbortController();
    let added = 0;
    let removed = 0;
    const add = ac.signal.addEventListener.bind(ac.signal);
    const remove = ac.signal.removeEventListener.bind(ac.signal);
    ac.signal.addEventListener = ((...a: Parameters<typeof add>) => (added++, add(...a))) as typeof add;
    ac.signal.removeEventListener = ((...a: Parameters<typeof remove>) => (removed++, remove(...a))) as typeof remove;
    await sleep(5, ac.signal);
    expect([added, removed]).toEqual([1, 1]);
  });
});
