import { z } from 'zod';
import { messageOf } from '../errors';
import type { RunView } from './run-view';

/**
 * The run history: one JSON record per run, kept in the repository (`.flops/runs/<run id>.json`) so the
 * editor, `flops sim runs` and the metrics panel read the same thing. Written at the start, after every
 * round and at the end, so a run whose process died still leaves what it reached (its outcome is then
 * reported as "interrupted" by whoever reads it while its owner is gone).
 */

const metricValues = z.record(z.string(), z.number().nullable()).nullable();

export const runRecordSchema = z.object({
  v: z.literal(1),
  runId: z.string(),
  repo: z.string(),
  owner: z.string(),
  startedAt: z.number(),
  finishedAt: z.number().optional(),
  outcome: z.enum(['succeeded', 'failed', 'stopped', 'cancelled', 'interrupted']).optional(),
  message: z.string().optional(),
  image: z.string(),
  imageBuilt: z.boolean().optional(),
  git: z.object({ commit: z.string().optional(), dirtyFiles: z.number() }).optional(),
  config: z.object({
    learners: z.number(),
    rounds: z.number(),
    strategy: z.string(),
    profiles: z.array(z.object({ learner: z.number(), profile: z.string(), cpus: z.number().optional(), memoryMb: z.number().optional() })),
  }),
  rounds: z.array(
    z.object({
      round: z.number(),
      rounds: z.number(),
      strategy: z.string(),
      train: metricValues,
      evaluate: metricValues,
      nodes: z.object({ train: z.number(), evaluate: z.number() }),
      // Recorded since the metrics line reports failed replies; earlier records have none.
      failures: z.object({ train: z.number(), evaluate: z.number() }).default({ train: 0, evaluate: 0 }),
      timeMs: z.number(),
      // Recorded since the metrics line carries each learner's reply; earlier records have none.
      learners: z
        .array(z.object({ learner: z.number().nullable(), node: z.string(), train: metricValues, evaluate: metricValues, error: z.string().optional() }))
        .readonly()
        .default([]),
      durationMs: z.number().optional(),
    }),
  ),
  failures: z.array(z.object({ service: z.string(), reason: z.string() })),
  // Recorded since the metrics panel shows them; earlier records have none.
  timeline: z
    .array(z.object({ at: z.number(), kind: z.enum(['build', 'start', 'pause', 'resume', 'stop', 'failure', 'outcome']), text: z.string(), service: z.string().optional() }))
    .readonly()
    .default([]),
  /** What the run was configured with beyond `config`, by name (Flower version, strategy parameters, partitioning…), for comparing runs. */
  settings: z.record(z.string(), z.string()).optional(),
});

export type RunRecord = z.infer<typeof runRecordSchema>;
export type RecordedOutcome = NonNullable<RunRecord['outcome']>;

export interface RecordContext {
  readonly repo: string;
  readonly owner: string;
  readonly git?: { readonly commit?: string; readonly dirtyFiles: number };
  readonly settings?: Readonly<Record<string, string>>;
}

/** The record of a run as far as its view goes. */
export function recordFromView(view: RunView, context: RecordContext): RunRecord {
  return {
    v: 1,
    runId: view.runId,
    repo: context.repo,
    owner: context.owner,
    startedAt: view.startedAt,
    ...(view.finishedAt !== undefined ? { finishedAt: view.finishedAt } : {}),
    ...(view.outcome !== undefined ? { outcome: view.outcome } : {}),
    ...(view.message !== undefined ? { message: view.message } : {}),
    image: view.image?.tag ?? '',
    ...(view.image?.built !== undefined ? { imageBuilt: view.image.built } : {}),
    ...(context.git !== undefined ? { git: { ...(context.git.commit !== undefined ? { commit: context.git.commit } : {}), dirtyFiles: context.git.dirtyFiles } } : {}),
    config: {
      learners: view.learners,
      rounds: view.rounds,
      strategy: view.strategy,
      profiles: view.members
        .filter((m) => m.role === 'learner' && m.learner !== undefined)
        .map((m) => ({ learner: m.learner ?? 0, profile: m.profile ?? 'default', ...(m.cpus !== undefined ? { cpus: m.cpus } : {}), ...(m.memoryMb !== undefined ? { memoryMb: m.memoryMb } : {}) })),
    },
    rounds: view.history.map((r) => ({ ...r, nodes: { ...r.nodes }, failures: { ...r.failures }, learners: r.learners.map((l) => ({ ...l })) })),
    failures: view.members.filter((m) => m.reason !== undefined).map((m) => ({ service: m.service, reason: m.reason ?? '' })),
    timeline: view.timeline.map((entry) => ({ ...entry })),
    ...(context.settings !== undefined ? { settings: { ...context.settings } } : {}),
  };
}

/** Reads a stored record; `undefined` for anything that is not a valid version-1 record. */
export function parseRunRecord(text: string): RunRecord | undefined {
  const read = readRunRecord(text);
  return read.kind === 'record' ? read.record : undefined;
}

/** A stored record, or why it cannot be read: cut short (invalid JSON), written by a newer version, or not a record. */
export type ReadRecord = { readonly kind: 'record'; readonly record: RunRecord } | { readonly kind: 'invalid' | 'newer' | 'truncated'; readonly problem: string };

export function readRunRecord(text: string): ReadRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { kind: 'truncated', problem: `not complete JSON (${messageOf(error)}); a run whose disk filled up or whose process was killed mid-write leaves such a file` };
  }
  const version = typeof value === 'object' && value !== null ? (value as { v?: unknown }).v : undefined;
  if (typeof version === 'number' && version > 1) return { kind: 'newer', problem: `written by a newer FLOps (record version ${version}; this one reads version 1): update the extension` };
  const parsed = runRecordSchema.safeParse(value);
  if (parsed.success) return { kind: 'record', record: parsed.data };
  const first = parsed.error.issues[0];
  return { kind: 'invalid', problem: `not a run record: ${first !== undefined ? `${first.path.join('.') || 'the record'}: ${first.message}` : 'invalid'}` };
}
