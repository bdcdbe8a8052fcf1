import { z } from 'zod';
import type { Finding } from '../findings/finding';
import { simulationLearners } from '../config/project-file';
import { runConfig } from '../generate/render';
import { type RuntimeInput } from '../generate/runtime-input';
import type { GenerationPreparation } from '../generate/generation-preparation';
import { folderName } from '../generate/prepare-generation';
import type { GeneratedFile } from '../generated-files';

/**
 * The learner smoke run (`flops check`, "FLOps: Check Learner Locally"): what flops_app/check.py
 * prints, read back, the run config it gets, and the use case over its ports (io/learner-check.ts
 * runs the Python).
 */

export const checkSteps = ['aggregator', 'set_model_data', 'fit_model', 'evaluate_model', 'aggregate'] as const;
export type CheckStepName = (typeof checkSteps)[number];

const stepSchema = z.object({
  step: z.enum(checkSteps),
  ok: z.boolean(),
  seconds: z.number(),
  examples: z.number().optional(),
  metrics: z.record(z.string(), z.number().nullable()).optional(),
  error: z.string().optional(),
  message: z.string().optional(),
  file: z.string().nullable().optional(),
  line: z.number().nullable().optional(),
  traceback: z.string().optional(),
});

export type CheckStep = z.infer<typeof stepSchema>;

export interface CheckFailure {
  readonly step: CheckStepName;
  readonly error: string;
  readonly message: string;
  /** The repository file (relative, `/`) and 1-based line of the innermost frame in the user's code. */
  readonly file?: string;
  readonly line?: number;
  readonly traceback: string;
}

export type CheckResult =
  | { readonly kind: 'passed'; readonly steps: readonly CheckStep[]; readonly seconds: number }
  | { readonly kind: 'failed'; readonly steps: readonly CheckStep[]; readonly failure: CheckFailure }
  /** The Python ended without saying why (no interpreter, killed, timed out, unreadable output). */
  | { readonly kind: 'broken'; readonly steps: readonly CheckStep[]; readonly message: string };

/** What the use case gives back: lint refused, the project cannot be rendered, or the check's result. */
export type LearnerCheckOutcome = { readonly kind: 'lintErrors'; readonly errors: readonly Finding[] } | { readonly kind: 'invalid'; readonly message: string } | CheckResult;

/** The run config the check's learner uses: the generated app's own, with the simulation's partition count. */
export function checkRunConfig(input: RuntimeInput): Record<string, string | number | boolean> {
  const values: Record<string, string | number | boolean> = {};
  for (const [key, value] of runConfig(input)) values[key] = typeof value === 'object' ? value.float : value;
  values['num-partitions'] = simulationLearners(input.config);
  return values;
}

/** A step line of check.py's stdout, or undefined for any other line (e.g. the user's prints). */
export function parseCheckLine(line: string): CheckStep | undefined {
  if (!line.startsWith('{"step"')) return undefined;
  try {
    const parsed = stepSchema.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined; // a user's print that happens to start like a step line: not ours
  }
}

export function checkResult(steps: readonly CheckStep[], exit: { code: number | null; signal?: string; timedOut: boolean; timeoutSeconds: number; stderrTail: string }): CheckResult {
  const failed = steps.find((s) => !s.ok);
  if (failed !== undefined) {
    return {
      kind: 'failed',
      steps,
      failure: {
        step: failed.step,
        error: failed.error ?? 'Error',
        message: failed.message ?? '',
        ...(typeof failed.file === 'string' ? { file: failed.file } : {}),
        ...(typeof failed.line === 'number' ? { line: failed.line } : {}),
        traceback: failed.traceback ?? '',
      },
    };
  }
  const next = checkSteps[steps.length];
  if (exit.timedOut) return { kind: 'broken', steps, message: `The check did not finish within ${exit.timeoutSeconds} s${next !== undefined ? ` (it was in ${next})` : ''}. A learner that needs longer for a 256-row partition is worth a look; raise the limit with --timeout.` };
  if (steps.length === checkSteps.length && exit.code === 0) return { kind: 'passed', steps, seconds: steps.reduce((sum, s) => sum + s.seconds, 0) };
  const tail = exit.stderrTail.trim().split('\n').slice(-6).join('\n');
  return { kind: 'broken', steps, message: `The Python process ended ${exit.signal !== undefined ? `by ${exit.signal}` : `with exit code ${String(exit.code)}`}${next !== undefined ? ` during ${next}` : ''} without a result${tail !== '' ? `:\n${tail}` : '.'}` };
}

/** One line per step, as the CLI prints them. */
export function describeStep(step: CheckStep): string {
  if (!step.ok) return `✗ ${step.step}: ${step.error ?? 'Error'}: ${step.message ?? ''}${step.file ? ` (${step.file}:${String(step.line ?? '?')})` : ''}`;
  const extra = step.examples !== undefined ? `, ${step.examples} examples` : step.metrics !== undefined ? `, ${Object.entries(step.metrics).map(([k, v]) => `${k} ${v === null ? 'null' : Number(v.toPrecision(4))}`).join(', ')}` : '';
  return `✓ ${step.step} (${step.seconds.toFixed(2)} s${extra})`;
}

export interface LearnerCheckOptions {
  readonly python: string;
  readonly timeoutSeconds: number;
  readonly force?: boolean;
  readonly signal?: AbortSignal;
  readonly onStep?: (step: CheckStep) => void;
}

/**
 * Runs the generated app's Python packages in an interpreter from the repository root
 * (io/learner-check.ts: a temporary folder and a child process, killed at the time limit or on abort).
 */
export interface CheckRunner {
  run(repoDir: string, appFiles: readonly GeneratedFile[], runConfig: Record<string, string | number | boolean>, options: LearnerCheckOptions): Promise<CheckResult>;
}

export interface LearnerCheckPorts {
  /** The generate use case over the repository's ports (prepare-generation.ts). */
  prepareGeneration(dir: string, options: { readonly force?: boolean; readonly signal?: AbortSignal }): Promise<GenerationPreparation>;
  readonly runner: CheckRunner;
}

/**
 * The learner smoke run use case: lint (refusing on errors unless forced), render the generated app in
 * memory (the repository's .flops is not touched) and run `python -m flops_app.check` on its
 * flops_app and flops_utils packages, in an interpreter that has the repository's dependencies.
 */
export async function checkLearner(ports: LearnerCheckPorts, dir: string, options: LearnerCheckOptions): Promise<LearnerCheckOutcome> {
  const prepared = await ports.prepareGeneration(dir, { ...(options.force !== undefined ? { force: options.force } : {}), ...(options.signal !== undefined ? { signal: options.signal } : {}) });
  if (prepared.kind !== 'planned') return prepared;
  const runConfig = checkRunConfig({ config: prepared.config, flavor: prepared.flavor, repoName: folderName(dir), dependencies: { source: 'requirements.txt', requirements: [], skipped: [] } });
  const appFiles = prepared.files.filter((f) => f.path.startsWith('flops_app/') || f.path.startsWith('flops_utils/'));
  return ports.runner.run(dir, appFiles, runConfig, options);
}
