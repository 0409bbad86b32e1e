import type { ChargeValues } from './charge.statements.js';
import type { UsageTotalsRow } from './budgets.repository.js';

/**
 * A finished call's charge, priced and ready, waiting for its caller's statement to run it (the chat
 * turn's reply: issue 63, one statement after the model). Whoever takes it runs `chargeCtes` with its
 * `values`, then reports back; a charge nobody takes runs on its own statement, as every other call's does.
 */
export interface ParkedCharge {
  readonly values: ChargeValues;
  /** The caller's statement ran it: the month's totals it answered (undefined: none came back). Never rejects. */
  settled(totals: UsageTotalsRow | undefined): Promise<void>;
  /** The caller's statement did not run (it failed): the charge runs on its own. Never rejects. */
  runAlone(): Promise<void>;
}

/**
 * Where one resolved model's finished calls leave their charges for the caller (`ModelUse.isChargeHandedToCaller`).
 * It holds at most one: a call admitted while one waits runs the waiting one first, so every call is
 * admitted against the calls before it (a tool loop's steps), and only the last reaches the caller.
 */
export interface ChargeHandoff {
  park(charge: ParkedCharge): void;
  /** The waiting charge, now the caller's to run; undefined when none waits. */
  take(): ParkedCharge | undefined;
  /** Runs the waiting charge on its own: a call about to be admitted, or the caller done without taking it. */
  runParkedAlone(): Promise<void>;
}

export function createChargeHandoff(): ChargeHandoff {
  let parked: ParkedCharge | undefined;
  const take = () => {
    const charge = parked;
    parked = undefined;
    return charge;
  };
  return {
    park(charge) {
      const earlier = take();
      parked = charge;
      // Not expected (each call is admitted, which runs the one before), but never lost.
      if (earlier) void earlier.runAlone();
    },
    take,
    async runParkedAlone() {
      await take()?.runAlone();
    },
  };
}
