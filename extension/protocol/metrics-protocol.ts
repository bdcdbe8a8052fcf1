import * as z from 'zod/mini';

/**
 * What the metrics panel's webview and the extension say to each other: discriminated unions, parsed
 * with zod (its tree-shakable `zod/mini` form, which keeps the webview bundle small) on both ends (a message that does not parse is dropped and logged), plain data only.
 *
 * extension → webview: `loading`, then a `snapshot` (every run the panel shows, whole), then `delta`s
 * (new or changed rounds of one run, its status, its timeline), each with a sequence number so the
 * webview drops duplicates and stale messages; `error` replaces the charts with what to do next;
 * `notice` is a line above them (a poll that failed and will be retried).
 * webview → extension: `ready` (sent when the page loaded; answered with a snapshot), exports
 * (`exportCsv`, `savePng` with the chart's PNG as a data URL, `copyMarkdown`), `retry`, `compare`
 * (pick runs to overlay), and `problem` (a webview-side failure, for the log).
 */

/** What a restored panel remembers (the webview's state, handed back by VS Code after a reload). */
export const panelSourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('local'), repo: z.string().check(z.minLength(1)), runId: z.string().check(z.minLength(1)) }),
  z.object({ kind: z.literal('mlflow'), url: z.string().check(z.minLength(1)), experiment: z.string().check(z.minLength(1)), run: z.optional(z.string()) }),
]);
export type PanelSource = z.infer<typeof panelSourceSchema>;
export const panelStateSchema = z.object({ sources: z.array(panelSourceSchema).check(z.minLength(1), z.maxLength(12)) });
export type PanelState = z.infer<typeof panelStateSchema>;

const metricValue = z.nullable(z.number());
const metricRecord = z.record(z.string(), metricValue);

export const seriesRunSchema = z.object({
  key: z.string(),
  runId: z.string(),
  label: z.string(),
  source: z.enum(['local', 'mlflow']),
  status: z.enum(['running', 'succeeded', 'failed', 'stopped', 'cancelled', 'interrupted', 'unknown']),
  startedAt: z.number(),
  finishedAt: z.optional(z.number()),
  message: z.optional(z.string()),
  strategy: z.string(),
  rounds: z.number(),
  learners: z.number(),
  config: z.record(z.string(), z.string()),
});

export const seriesRoundSchema = z.object({
  round: z.number(),
  aggregate: metricRecord,
  learners: z.array(z.object({ learner: z.union([z.number(), z.string()]), metrics: metricRecord, error: z.optional(z.string()) })),
  participation: z.optional(z.object({ sampled: z.number(), replied: z.number(), failed: z.number() })),
  durationMs: metricValue,
  timeMs: metricValue,
});

export const seriesMarkSchema = z.object({
  at: z.number(),
  kind: z.enum(['build', 'start', 'pause', 'resume', 'stop', 'failure', 'outcome']),
  text: z.string(),
});

export const runSeriesSchema = z.object({ run: seriesRunSchema, rounds: z.array(seriesRoundSchema), timeline: z.array(seriesMarkSchema) });

export const toWebviewSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('loading'), text: z.string() }),
  z.object({
    type: z.literal('snapshot'),
    seq: z.int(),
    title: z.string(),
    runs: z.array(runSeriesSchema),
    /** Settings that differ between the runs (compare view). */
    differences: z.array(z.object({ setting: z.string(), values: z.array(z.string()) })),
    /** What the webview keeps (vscode.setState) so the panel can be restored after a reload. */
    state: panelStateSchema,
  }),
  z.object({
    type: z.literal('delta'),
    seq: z.int(),
    runKey: z.string(),
    /** Rounds to add or replace (by round number). */
    rounds: z.array(seriesRoundSchema),
    run: z.optional(seriesRunSchema),
    timeline: z.optional(z.array(seriesMarkSchema)),
  }),
  z.object({ type: z.literal('error'), title: z.string(), text: z.string(), retry: z.boolean() }),
  z.object({ type: z.literal('notice'), text: z.string() }),
]);

export type ToWebview = z.infer<typeof toWebviewSchema>;
export type SnapshotMessage = ToWebview & { readonly type: 'snapshot' };
export type DeltaMessage = ToWebview & { readonly type: 'delta' };

export const toExtensionSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('exportCsv') }),
  z.object({ type: z.literal('copyMarkdown') }),
  z.object({ type: z.literal('savePng'), name: z.string().check(z.regex(/^[\w.-]{1,80}$/)), dataUrl: z.string().check(z.startsWith('data:image/png;base64,'), z.maxLength(20_000_000)) }),
  z.object({ type: z.literal('retry') }),
  z.object({ type: z.literal('compare') }),
  z.object({ type: z.literal('problem'), text: z.string().check(z.maxLength(2000)) }),
]);

export type ToExtension = z.infer<typeof toExtensionSchema>;

/** A message as its union, or why not (the receiver logs it and drops the message). */
export function parseMessage<S extends z.ZodMiniType>(schema: S, value: unknown): { readonly ok: true; readonly message: z.infer<S> } | { readonly ok: false; readonly problem: string } {
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, message: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, problem: issue !== undefined ? `${issue.path.join('.') || 'message'}: ${issue.message}` : 'invalid message' };
}
