import { z } from 'zod';
import { messageOf } from '../errors';
import type { LearnerRoundMetrics, RoundMetrics } from '../runs/run-events';

/**
 * What a local simulation reads from its containers' log lines: the ServerApp's metrics lines (README
 * "Metrics line format"), a few well-known Flower log lines, and a failure's reason from a traceback.
 * The session turns them into `RunEvent`s (core/runs/run-events.ts).
 */

const finiteOrNull = z.number().nullable();
const metricValues = z.record(z.string(), finiteOrNull).nullable();

/** The ServerApp's per-round line, format version 1 (templates/runtime/flops_app/metrics_line.py). */
const metricsLineSchema = z.object({
  flops: z.literal('round'),
  v: z.literal(1),
  run_id: z.string(),
  round: z.int().min(1),
  rounds: z.int().min(1),
  strategy: z.string(),
  time_ms: z.int(),
  train: metricValues,
  evaluate: metricValues,
  nodes: z.object({ train: z.int().min(0), evaluate: z.int().min(0) }),
  // Added within version 1; lines of apps generated before it have none.
  failures: z.object({ train: z.int().min(0), evaluate: z.int().min(0) }).default({ train: 0, evaluate: 0 }),
  // Also added within version 1: each sampled learner's own reply metrics.
  learners: z
    .array(z.object({ learner: z.int().min(0).nullable(), node: z.string(), train: metricValues, evaluate: metricValues, error: z.string().optional() }))
    .default([]),
});

/** Version this build reads; lines with another `v` are reported once, not misread. */
export const metricsLineVersion = 1;

export type MetricsLineResult =
  | { readonly kind: 'metrics'; readonly runId: string; readonly metrics: RoundMetrics }
  | { readonly kind: 'unsupported'; readonly version: unknown }
  /** Starts like a metrics line but is not one (cut short, or fields of the wrong type): logged, not read. */
  | { readonly kind: 'malformed'; readonly reason: string }
  | { readonly kind: 'none' };

/**
 * Reads one log line. A metrics line is a JSON object with `"flops":"round"`; Docker may prefix
 * nothing, but Flower's log capture can put it after a level prefix ("INFO :      {...}"), so the
 * object is looked for from the first `{"flops"`.
 */
export function parseMetricsLine(line: string): MetricsLineResult {
  const at = line.indexOf('{"flops"');
  if (at < 0) return { kind: 'none' };
  let value: unknown;
  try {
    value = JSON.parse(line.slice(at).trimEnd());
  } catch (error) {
    return { kind: 'malformed', reason: `not JSON (${messageOf(error)})` };
  }
  if (typeof value !== 'object' || value === null || (value as { flops?: unknown }).flops !== 'round') return { kind: 'none' };
  const version = (value as { v?: unknown }).v;
  if (version !== metricsLineVersion) return { kind: 'unsupported', version };
  const parsed = metricsLineSchema.safeParse(value);
  if (!parsed.success) return { kind: 'malformed', reason: parsed.error.issues.map((i) => `${i.path.join('.') || '(line)'}: ${i.message}`).join('; ') };
  const m = parsed.data;
  return {
    kind: 'metrics',
    runId: m.run_id,
    metrics: { round: m.round, rounds: m.rounds, strategy: m.strategy, train: m.train, evaluate: m.evaluate, nodes: m.nodes, failures: m.failures, timeMs: m.time_ms, learners: m.learners.map(learnerMetrics) },
  };
}

function learnerMetrics(l: z.infer<typeof metricsLineSchema>['learners'][number]): LearnerRoundMetrics {
  return { learner: l.learner, node: l.node, train: l.train, evaluate: l.evaluate, ...(l.error !== undefined ? { error: l.error } : {}) };
}

/**
 * Flower's own log lines that carry run progress (Message API strategies, Flower 1.23+). Best effort:
 * the metrics line is the contract; these only make the monitor livelier between rounds.
 */
export type FlowerLogSignal =
  | { readonly kind: 'roundStarted'; readonly round: number; readonly rounds: number }
  | { readonly kind: 'waiting'; readonly connected?: number; readonly required?: number };

const roundPattern = /\[ROUND (\d+)\/(\d+)\]/;
// e.g. "Waiting for nodes to connect: 1 connected (minimum required: 2)."
const waitingPattern = /Waiting for nodes to connect(?::\s*(\d+)\s+connected\s*\(minimum required:\s*(\d+)\))?/i;

export function parseFlowerLogLine(line: string): FlowerLogSignal | undefined {
  const round = roundPattern.exec(line);
  if (round !== null) return { kind: 'roundStarted', round: Number(round[1]), rounds: Number(round[2]) };
  const waiting = waitingPattern.exec(line);
  if (waiting !== null) {
    return waiting[1] !== undefined && waiting[2] !== undefined ? { kind: 'waiting', connected: Number(waiting[1]), required: Number(waiting[2]) } : { kind: 'waiting' };
  }
  return undefined;
}

/**
 * The reason a process failed, from the tail of its log: the last Python exception line of a traceback
 * ("ModuleNotFoundError: No module named 'torch'"), else a recent line that reads like an error, else
 * `undefined` (then the exit code has to speak: `exitDescription`).
 */
const learnerErrorPattern = /^(?:flops_app\.learner_host\.)?LearnerError: (.+)$/;

export function failureReason(logTail: readonly string[]): string | undefined {
  const lines = logTail.map((l) => l.trimEnd()).filter((l) => l.trim() !== '');
  const tracebackAt = lines.map((l) => l.startsWith('Traceback (most recent call last)')).lastIndexOf(true);
  if (tracebackAt >= 0) {
    for (let i = lines.length - 1; i > tracebackAt; i--) {
      const line = lines[i] ?? '';
      if (/^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt|Warning)\b.*/.test(line.trim()) || /^[A-Za-z_][\w.]*: /.test(line)) {
        // The learner host re-raises the user's exception with its own location already in the text.
        const relayed = learnerErrorPattern.exec(line.trim());
        if (relayed !== null) return relayed[1];
        const where = lines.slice(tracebackAt, i).reverse().find((l) => /^\s*File "/.test(l));
        return where !== undefined ? `${line.trim()} (${where.trim()})` : line.trim();
      }
    }
  }
  // Without a traceback, only a line that reads like an error explains anything ("Killed",
  // "Segmentation fault", "ERROR : ..."); Flower's INFO chatter before a kill does not.
  const errorLine = lines.slice(-5).reverse().find((l) => /error|fatal|killed|segmentation fault|exception|abort/i.test(l) && !/^\s*(INFO|DEBUG)\b/.test(l));
  return errorLine?.trim();
}

/** What an exit code says when there is no log line to say it: 137 = SIGKILL, 143 = SIGTERM, ... */
export function exitDescription(code: number | undefined): string {
  switch (code) {
    case undefined:
      return 'stopped';
    case 137:
      return 'killed (exit code 137, SIGKILL)';
    case 143:
      return 'terminated (exit code 143, SIGTERM)';
    case 139:
      return 'crashed (exit code 139, segmentation fault)';
    case 130:
      return 'interrupted (exit code 130, SIGINT)';
    default:
      return `exited with code ${code}`;
  }
}
