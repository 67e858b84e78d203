import { describe, expect, it } from "@jest/globals";
import { CancelTracker, PULUMI_CANCEL_ACK } from "../engine.js";
import { watchInterrupts, type InterruptDeps } from "../interrupts.js";

function fakeDeps(tty: boolean) {
  const log: string[] = [];
  let handler: (() => void) | undefined;
  const timers: Array<{ fn: () => void; ms: number; cancelled: boolean }> = [];
  const deps: InterruptDeps = {
    tty,
    graceMs: 5000,
    write: (t) => log.push(`write ${t.trim().slice(0, 7)}`),
    exit: (code) => log.push(`exit ${code}`),
    onSignal: (h) => (handler = h),
    offSignal: (h) => {
      if (handler === h) handler = undefined;
    },
    setTimer: (fn, ms) => {
      const t = { fn, ms, cancelled: false };
      timers.push(t);
      return { cancel: () => (t.cancelled = true) };
    },
  };
  return { deps, log, timers, sigint: () => handler?.(), handlerSet: () => handler !== undefined };
}

describe("Ctrl-C wiring", () => {
  it("on a terminal: the first Ctrl-C only notes the cancel (Pulumi got the SIGINT too), then forwards after the grace period", () => {
    const f = fakeDeps(true);
    const calls: boolean[] = [];
    const w = watchInterrupts(f.deps, (already) => calls.push(already), 130);
    f.sigint();
    expect(w.signal.aborted).toBe(true);
    expect(calls).toEqual([true]);
    expect(f.timers.map((t) => t.ms)).toEqual([5000]);
    f.timers[0].fn();
    expect(calls).toEqual([true, false]);
    // a second Ctrl-C exits at once
    f.sigint();
    expect(f.log).toEqual(["write Ctrl-C:", "exit 130"]);
    w.dispose();
    expect(f.timers[0].cancelled).toBe(true);
    expect(f.handlerSet()).toBe(false);
  });

  it("without a terminal: the SIGINT reached this process only and is forwarded at once", () => {
    const f = fakeDeps(false);
    const calls: boolean[] = [];
    watchInterrupts(f.deps, (already) => calls.push(already), 130);
    f.sigint();
    expect(calls).toEqual([false]);
    expect(f.timers).toEqual([]);
  });
});

describe("CancelTracker", () => {
  it("signals Pulumi once, never after Pulumi acknowledged a cancel, never when the terminal already did", () => {
    const t = new CancelTracker();
    expect(t.cancel({ alreadySignalled: true })).toBe(false);
    expect(t.requested).toBe(true);
    // the acknowledgement split across two output chunks
    const ack = `^C ${PULUMI_CANCEL_ACK}. If you would like to terminate immediately, press ^C again.\n`;
    t.output("Updating (localnet):\n" + ack.slice(0, 8));
    t.output(ack.slice(8));
    expect(t.cancelling).toBe(true);
    expect(t.cancel()).toBe(false);

    const u = new CancelTracker();
    u.output("Updating (localnet):\n  + aws:ec2/instance:Instance base-instance creating\n");
    expect(u.cancel()).toBe(true);
    expect(u.cancel()).toBe(false);
  });
});

describe("the Ctrl-C note", () => {
  it("says what a cancel does: in-flight steps are stopped, not finished, and an SSM operation may run on", () => {
    const written: string[] = [];
    const f = fakeDeps(false);
    watchInterrupts({ ...f.deps, write: (t) => written.push(t) }, () => undefined, 130);
    f.sigint();
    expect(written.join("")).toBe(
      "\nCtrl-C: cancelling the running Pulumi operation: it starts no new step, stops the ones in flight " +
        "(an SSM operation one of them sent may still run on its instance; the next up waits for it) and saves state; " +
        "press Ctrl-C again to exit at once.\n",
    );
  });
});
