// Ctrl-C for engine-driven commands. When stdin is a terminal, Ctrl-C makes the terminal send
// SIGINT to the whole foreground process group: the Pulumi CLI (a child that is not detached)
// gets it too and starts cancelling on its own. Sending it a second SIGINT (what the Automation
// API does when its abort signal fires) would make it terminate at once, without saving the state
// of the steps in flight: so on a terminal the first Ctrl-C only marks the run aborted and tells the
// engine, which signals Pulumi only if, after a grace period, Pulumi has not acknowledged a
// cancel (e.g. the SIGINT was sent to this process alone). Without a terminal the SIGINT came to
// this process only and is forwarded at once. A second Ctrl-C exits immediately.

export interface InterruptDeps {
  /** Whether stdin is a terminal (then the terminal delivers Ctrl-C to Pulumi as well). */
  tty: boolean;
  /** How long to wait for Pulumi's own cancel before signalling it (terminal case). */
  graceMs?: number;
  write(text: string): void;
  exit(code: number): void;
  onSignal(handler: () => void): void;
  offSignal(handler: () => void): void;
  setTimer(fn: () => void, ms: number): { cancel(): void };
}

const DEFAULT_GRACE_MS = 15_000;
// What a cancel really does: Pulumi starts no new step and saves state, but the steps in flight are
// stopped, not finished: the command provider SIGKILLs their local commands, and an SSM command one
// of them sent runs on on its instance (the next run waits for it: platform/ssm/run-op.ts).
const CANCELLING_PULUMI =
  "Ctrl-C: cancelling the running Pulumi operation: it starts no new step, stops the ones in flight " +
  "(an SSM operation one of them sent may still run on its instance; the next up waits for it) and saves state; " +
  "press Ctrl-C again to exit at once.";

/**
 * Wires SIGINT to an AbortController and to `onInterrupt(alreadySignalled)`: called with true at
 * once on a terminal (note only), then with false after the grace period; with false at once
 * otherwise. The exit code of a second Ctrl-C is `exitCode`.
 */
export function watchInterrupts(
  deps: InterruptDeps,
  onInterrupt: (alreadySignalled: boolean) => void,
  exitCode: number,
  message = CANCELLING_PULUMI,
): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  let count = 0;
  let timer: { cancel(): void } | undefined;
  const handler = () => {
    count += 1;
    if (count > 1) {
      deps.exit(exitCode);
      return;
    }
    deps.write(`\n${message}\n`);
    controller.abort();
    if (deps.tty) {
      onInterrupt(true);
      timer = deps.setTimer(() => onInterrupt(false), deps.graceMs ?? DEFAULT_GRACE_MS);
    } else {
      onInterrupt(false);
    }
  };
  deps.onSignal(handler);
  return {
    signal: controller.signal,
    dispose: () => {
      timer?.cancel();
      deps.offSignal(handler);
    },
  };
}

/** The process's own wiring. */
export function processInterruptDeps(): InterruptDeps {
  return {
    tty: process.stdin.isTTY === true,
    write: (text) => process.stderr.write(text),
    exit: (code) => process.exit(code),
    onSignal: (h) => process.on("SIGINT", h),
    offSignal: (h) => process.off("SIGINT", h),
    setTimer: (fn, ms) => {
      const t = setTimeout(fn, ms);
      t.unref();
      return { cancel: () => clearTimeout(t) };
    },
  };
}
