import { z } from 'zod';
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
    }),
  ),
  failures: z.array(z.object({ service: z.string(), reason: z.string() })),
});

export type RunRecord = z.infer<typeof runRecordSchema>;
export type RecordedOutcome = NonNullable<RunRecord['outcome']>;

export interface RecordContext {
  readonly repo: string;
  readonly owner: string;
  readonly git?: { readonly commit?: string; readonly dirtyFiles: number };
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
  };
}

/** Reads a stored record; `undefined` for anything that is not a valid version-1 record. */
export function parseRunRecord(text: string): RunRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = runRecordSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
