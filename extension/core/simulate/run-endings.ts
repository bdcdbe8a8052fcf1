import { FlError, messageOf } from '../errors';
import type { MemberRole, RunOutcome } from '../runs/run-events';
import type { RunView } from '../runs/run-view';
import { exitDescription, failureReason } from './log-lines';

/**
 * How a local run ends, in words: from the exit of the starter or the aggregator, the rounds reached
 * and the learners' logs. Pure, so every message is unit-tested through the session.
 */

export interface Ending {
  readonly outcome: RunOutcome;
  readonly message: string;
}

/** A member's last log lines, by service. */
export type LogTail = (service: string) => readonly string[];

/** The ending when the starter (`flwr run`) or the aggregator exits. */
export function exitEnding(view: RunView, member: { readonly role: MemberRole; readonly service: string }, exitCode: number, oomKilled: boolean, logTail: LogTail): Ending {
  const { role } = member;
  const failedRound = view.history.find((r) => r.nodes.train === 0);
  if (role === 'starter' && exitCode === 0 && failedRound !== undefined) {
    // Whatever the exit code says: a round without one train result is a failed run.
    return { outcome: 'failed', message: `Round ${failedRound.round} failed: no learner returned a train result (${failedRound.failures.train} failed).${learnerErrors(view, logTail)}${learnerProblems(view)}` };
  }
  if (role === 'starter' && exitCode === 0) {
    if (view.history.length >= view.rounds && view.rounds > 0) return { outcome: 'succeeded', message: `Finished ${view.rounds} rounds.` };
    return { outcome: 'failed', message: `The run ended after ${view.history.length} of ${view.rounds} rounds without an error; the aggregator printed no metrics line for the rest (see its log).` };
  }
  const reason = oomKilled ? 'it ran out of memory.' : (failureReason(logTail(member.service)) ?? failureReason(logTail('aggregator')) ?? (exitCode === 1 ? undefined : exitDescription(exitCode)));
  const what = role === 'starter' ? 'The run failed' : 'The aggregator stopped';
  const errors = failedRound !== undefined ? learnerErrors(view, logTail) : '';
  return { outcome: 'failed', message: `${what} (exit code ${exitCode})${reason !== undefined ? `: ${reason}` : '; see the aggregator log.'}${errors}${learnerProblems(view)}` };
}

/** " Learner errors: learner-1: <exception (file, line)>; …." from the learners' logs, or "". */
export function learnerErrors(view: RunView, logTail: LogTail): string {
  const errors = view.members
    .filter((m) => m.role === 'learner' && m.reason === undefined)
    .map((m) => [m.service, failureReason(logTail(m.service))] as const)
    .filter((entry): entry is readonly [string, string] => entry[1] !== undefined)
    .map(([service, reason]) => `${service}: ${reason}`);
  return errors.length > 0 ? ` Learner errors: ${errors.join('; ')}.` : '';
}

/** " Learner problems: learner-2: <reason>; …." for the learners that failed, or "" when none did. */
export function learnerProblems(view: RunView): string {
  const failures = view.members.filter((m) => m.role === 'learner' && m.reason !== undefined).map((m) => `${m.service}: ${m.reason ?? ''}`);
  return failures.length > 0 ? ` Learner problems: ${failures.join('; ')}.` : '';
}

/** Round 1 has not started `ms` after the starter ran. */
export function startTimeoutEnding(view: RunView, ms: number, minAvailable: number): Ending {
  const learners = view.members.filter((m) => m.role === 'learner');
  const running = learners.filter((m) => m.state === 'running').length;
  return {
    outcome: 'failed',
    message: `Round 1 did not start within ${Math.round(ms / 1000)} s: the aggregator needs ${minAvailable} learners (min_available_clients) and ${running} of ${learners.length} are running.${learnerProblems(view)}`,
  };
}

/** After a round, the aggregator has waited `waitedMs` for enough learners. */
export function waitedTooLongEnding(view: RunView, waitedMs: number, required: number, connected: number | undefined): Ending {
  return {
    outcome: 'failed',
    message: `After round ${view.history.length} the aggregator waited ${Math.round(waitedMs / 1000)} s for learners: it needs ${required} (min_available_clients) and ${connected ?? '?'} ${connected === 1 ? 'is' : 'are'} connected.${learnerProblems(view)} Restart learners from the Runs view within the timeout, or start with more learners.`,
  };
}

/** The starter or the aggregator was killed and its containers removed by someone else. */
export const removedFromOutsideEnding: Ending = { outcome: 'stopped', message: 'Stopped from outside: its containers were removed (flops sim down, docker compose down or docker rm).' };

export function isExceptionLine(line: string): boolean {
  return /^[A-Za-z_][\w.]*(Error|Exception|Exit)(: .*)?$/.test(line.trim());
}

/** How a run ends when starting it threw. */
export function failureEnding(error: unknown): Ending {
  if (error instanceof FlError && error.kind === 'cancelled') return { outcome: 'cancelled', message: 'Cancelled.' };
  return { outcome: 'failed', message: messageOf(error) };
}
