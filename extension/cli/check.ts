import path from 'node:path';
import { toTextReport } from '../core/findings/format-findings';
import { describeStep } from '../core/simulate/learner-check';
import { type CliIo, interruptSignal, parseCommandArgs, UsageError } from './cli-io';
import type { CliServices } from './cli-root';

/**
 * `flops check [DIR]`: the learner path and the aggregator's initialisation in seconds, in a local
 * Python, before any image is built. Exit codes: 0 passed, 1 the user's code failed (or lint errors),
 * 2 usage errors, no interpreter, a check that ended without a result (timeout, killed).
 */

export const checkUsage = `Usage: flops check [DIR] [--python PATH] [--timeout SECONDS] [--force] [--format text|json]

Runs what the aggregator and one learner do in round 1, without Flower and without Docker:
ModelManager() and get_model_parameters() (aggregator), then ModelManager(), set_model_data() on a
256-row slice of partition 0, fit_model(), get_model_parameters() and evaluate_model() (learner),
and FedAvg of the result. The Python must have the repository's dependencies and datasets.
An exception is reported with the step, the exception and the repository file and line.

Options:
  --python PATH      Interpreter to run it in (default: $FLOPS_PYTHON, else python3).
  --timeout SECONDS  Give up after this long (default 300).
  --force            Check even when lint reports errors.
  --format FORMAT    text (default) or json.
  -h, --help         Show this help.`;

export async function checkCommand(args: string[], { out, err, env }: CliIo, services: CliServices): Promise<number> {
  const { values, positionals } = parseCommandArgs({
    args,
    allowPositionals: true,
    options: { python: { type: 'string' }, timeout: { type: 'string' }, force: { type: 'boolean' }, format: { type: 'string', short: 'f' }, help: { type: 'boolean', short: 'h' } },
  }, checkUsage);
  if (values.help === true) {
    out.write(`${checkUsage}\n`);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError(`check takes one folder, got ${positionals.length}: ${positionals.join(' ')}`, checkUsage);
  const format = values.format ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError(`Unknown format "${format}"; use text or json.`, checkUsage);
  const timeoutSeconds = values.timeout === undefined ? 300 : Number(values.timeout);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) throw new UsageError(`--timeout must be a positive number of seconds, got "${values.timeout ?? ''}"`, checkUsage);
  const dir = path.resolve(positionals[0] ?? '.');
  const python = values.python ?? env['FLOPS_PYTHON'] ?? 'python3';
  const analyzer = services.analyzer();
  const interrupt = interruptSignal();
  try {
    const outcome = await services.checkLearner(dir, analyzer, {
      python,
      timeoutSeconds,
      ...(values.force === true ? { force: true } : {}),
      signal: interrupt.signal,
      ...(format === 'text' ? { onStep: (step) => out.write(`${describeStep(step)}\n`) } : {}),
    });
    if (format === 'json') out.write(`${JSON.stringify(outcome, null, 2)}\n`);
    switch (outcome.kind) {
      case 'lintErrors':
        if (format === 'text') err.write(`flops check: lint reports errors; fix them first (or --force):\n${toTextReport(outcome.errors, { color: false })}\n`);
        return 1;
      case 'invalid':
        if (format === 'text') err.write(`flops check: ${outcome.message}\n`);
        return 1;
      case 'passed':
        if (format === 'text') out.write(`The learner path works (${outcome.seconds.toFixed(1)} s in ${python}).\n`);
        return 0;
      case 'failed': {
        const f = outcome.failure;
        if (format === 'text') err.write(`\n${f.traceback.trimEnd()}\n\nflops check: ${f.step} failed: ${f.error}: ${f.message}${f.file !== undefined ? ` (${f.file}:${String(f.line ?? '?')})` : ''}\n`);
        return 1;
      }
      case 'broken':
        if (format === 'text') err.write(`flops check: ${outcome.message}\n`);
        return 2;
    }
  } finally {
    interrupt.dispose();
    analyzer.dispose();
  }
}
