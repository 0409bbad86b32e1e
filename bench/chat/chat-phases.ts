import type { TurnTiming } from './http-client.js';
import { runTurns, summarize, turnsOfWorker, type PhaseSummary } from './load.js';
import { replyTokens, type ReplyProfile } from './mock-llm.js';
import { cpuMsBetween, readCpuMs, readCpuMsOfCommand, sampleMemory, sleep } from './processes.js';
import type { ChatTarget } from './targets.js';

export interface PhaseSpec {
  readonly key: string;
  readonly label: string;
  readonly profile: ReplyProfile;
  readonly turns: number;
  readonly concurrency: number;
  /**
   * Cold turns (issue 63): the target sits idle this long before each turn, so whatever it holds for a
   * few seconds (caches, pooled connections) has lapsed. Not in the warm-up, and not timed.
   */
  readonly idleBeforeTurnMs?: number;
}

/** CPU time per completed turn, in ms, by process: where the two cores went. */
export interface CpuPerTurn {
  readonly server: number;
  readonly postgres: number;
  readonly mock: number;
  readonly client: number;
}

export interface TargetPhaseResult {
  readonly summary: PhaseSummary;
  readonly peakRssMb: number;
  readonly cpuPerTurnMs: CpuPerTurn;
}

/** Processes whose CPU time is counted beside the target's own. */
export interface CpuWatch {
  readonly mockPid: number;
}

/** phase key → target key → result */
export type ChatResults = Map<string, Map<string, TargetPhaseResult>>;

/** Expected length of one turn: the first token, then a gap before each further one. */
export const turnLengthMs = (profile: ReplyProfile) => profile.firstTokenMs + (profile.tokens - 1) * profile.gapMs;

/** Lets JIT, connection pools and caches settle before anything is timed. */
export async function warmUp(targets: readonly ChatTarget[], phases: readonly PhaseSpec[]): Promise<void> {
  for (const target of targets) {
    for (const phase of phases) {
      const turns = Math.min(phase.turns, Math.max(20, phase.concurrency * 2));
      await runRound(target, { ...phase, idleBeforeTurnMs: 0 }, `warm-up:${phase.key}`, turns);
    }
  }
}

/**
 * Runs every phase in `rounds` rounds, and within a round every target in turn, so a change in the
 * machine's background load during the run lands on all targets alike rather than on one.
 */
export async function runChatPhases(
  targets: readonly ChatTarget[],
  phases: readonly PhaseSpec[],
  rounds: number,
  log: (line: string) => void,
  watch: CpuWatch,
): Promise<ChatResults> {
  const results: ChatResults = new Map();
  for (const phase of phases) {
    const collected = new Map(
      targets.map((target) => [
        target.key,
        { timings: [] as TurnTiming[], wallMs: 0, peakRssMb: 0, cpu: { server: 0, postgres: 0, mock: 0, client: 0 } },
      ]),
    );
    for (let round = 0; round < rounds; round += 1) {
      const turns = Math.floor(phase.turns / rounds) + (round < phase.turns % rounds ? 1 : 0);
      for (const target of targets) {
        const before = cpuNow(target, watch);
        const run = await runRound(target, phase, phase.key, turns);
        const after = cpuNow(target, watch);
        const into = collected.get(target.key)!;
        into.timings.push(...run.timings);
        into.wallMs += run.wallMs;
        into.peakRssMb = Math.max(into.peakRssMb, run.peakRssMb);
        for (const key of ['server', 'mock', 'client'] as const) into.cpu[key] += after[key] - before[key];
        into.cpu.postgres += cpuMsBetween(before.postgres, after.postgres);
      }
    }
    const byTarget = new Map<string, TargetPhaseResult>();
    for (const target of targets) {
      const { timings, wallMs, peakRssMb, cpu } = collected.get(target.key)!;
      const summary = summarize({ timings, wallMs }, phase.profile);
      const perTurn = (value: number) => value / Math.max(1, summary.completed);
      const cpuPerTurnMs = {
        server: perTurn(cpu.server),
        postgres: perTurn(cpu.postgres),
        mock: perTurn(cpu.mock),
        client: perTurn(cpu.client),
      };
      byTarget.set(target.key, { summary, peakRssMb, cpuPerTurnMs });
      log(
        `  ${phase.label.padEnd(34)} ${target.label.padEnd(20)} ttft p50 ${summary.ttftP50Ms.toFixed(2)} ms, p99 ${summary.ttftP99Ms.toFixed(2)} ms, ` +
          `${summary.turnsPerSecond.toFixed(0)} turns/s, ${summary.completed}/${summary.turns} ok` +
          (summary.firstError ? ` (first error: ${summary.firstError.slice(0, 160)})` : ''),
      );
    }
    results.set(phase.key, byTarget);
  }
  return results;
}

/**
 * CPU used so far. Read around a whole round: preparing it (a Parley conversation per ten turns),
 * the turns, and the pause after them in which the server stores replies and writes titles.
 */
function cpuNow(target: ChatTarget, watch: CpuWatch): Omit<CpuPerTurn, 'postgres'> & { postgres: Map<number, number> } {
  const client = process.cpuUsage();
  return {
    // The mock is the server when it is hit directly.
    server: target.pid === watch.mockPid ? NaN : readCpuMs(target.pid),
    postgres: readCpuMsOfCommand('postgres'),
    mock: readCpuMs(watch.mockPid),
    client: (client.user + client.system) / 1000,
  };
}

async function runRound(target: ChatTarget, phase: PhaseSpec, phaseKey: string, turns: number) {
  const concurrency = Math.min(phase.concurrency, turns);
  const perWorker = Array.from({ length: concurrency }, (_, worker) => turnsOfWorker(turns, concurrency, worker));
  const runTurn = await target.prepare(phase.profile, phaseKey, perWorker);
  const expectedText = replyTokens(phase.profile.tokens).join('');
  // A turn counts only if the client got the mock's reply exactly: nothing lost, merged out of order or added.
  const checkedTurn = async (worker: number): Promise<TurnTiming> => {
    if (phase.idleBeforeTurnMs) await sleep(phase.idleBeforeTurnMs);
    const timing = await runTurn(worker);
    return timing.isComplete && timing.text !== expectedText
      ? { ...timing, isComplete: false, error: `reply text differs: ${JSON.stringify(timing.text.slice(0, 120))}` }
      : timing;
  };
  const sampler = sampleMemory(target.pid);
  const run = await runTurns(turns, concurrency, checkedTurn, concurrency > 1 ? turnLengthMs(phase.profile) : 0);
  const peakRssMb = sampler.stop();
  // Work a target does after its last byte (storing replies, titles) should not bleed into the next one.
  await sleep(250);
  return { ...run, peakRssMb };
}
