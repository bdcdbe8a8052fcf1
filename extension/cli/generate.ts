import path from 'node:path';
import { FlError } from '../core/errors';
import type { FileAction } from '../core/generate/manifest';
import { toTextReport } from '../core/findings/format-findings';
import { prepareGeneration } from '../core/generate/prepare-generation';
import { type CliIo, interruptSignal, parseCommandArgs, UsageError } from './cli-io';
import type { CliServices } from './cli-root';

/**
 * `flops generate [DIR]`: lint, then write the Flower runtime into DIR/.flops (or --out). Exit codes as
 * `flops lint`: 0 written or up to date, 1 refused (lint errors, bad input), drift (--check) or edited
 * files kept, 2 usage errors and unreadable DIR.
 */

export const generateUsage = `Usage: flops generate [DIR] [--out .flops] [--check] [--force] [--overwrite]

Writes the Flower app around the repository's ModelManager (ServerApp, ClientApp, the flops_utils
shim, pyproject.toml), its Dockerfile, compose.yaml and, with image.registry set, an Oakestra SLA
into DIR/.flops. Refuses when lint reports errors. Files edited since they were
generated are kept and reported.

Options:
  --out DIR      Output folder inside DIR, relative to it (default .flops).
  --check        Write nothing; exit 1 when the output differs from a fresh generation.
  --force        Generate even when lint reports errors.
  --overwrite    Replace generated files that were edited since.
  -h, --help     Show this help.`;

const verbs: Readonly<Record<FileAction, string>> = {
  create: 'created',
  update: 'updated',
  unchanged: 'unchanged',
  'keep-edited': 'kept (edited)',
  'overwrite-edited': 'overwritten',
  delete: 'deleted',
  'keep-stale': 'kept (edited, no longer generated)',
};

const checkVerbs: Readonly<Record<FileAction, string>> = {
  create: 'missing',
  update: 'outdated',
  unchanged: 'unchanged',
  'keep-edited': 'edited',
  'overwrite-edited': 'edited',
  delete: 'no longer generated',
  'keep-stale': 'edited, no longer generated',
};

export async function generateCommand(args: string[], { out, err }: CliIo, services: CliServices): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    {
      args,
      allowPositionals: true,
      options: {
        out: { type: 'string', default: '.flops' },
        check: { type: 'boolean', default: false },
        force: { type: 'boolean', default: false },
        overwrite: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    },
    generateUsage,
  );
  if (values.help) {
    out.write(`${generateUsage}\n`);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError(`generate takes one folder, got ${positionals.length}: ${positionals.join(' ')}`, generateUsage);
  if (values.check && values.overwrite) throw new UsageError('--check writes nothing, so it cannot be combined with --overwrite.', generateUsage);
  const dir = path.resolve(positionals[0] ?? '.');
  const outDir = path.resolve(dir, values.out);
  const outRelative = path.relative(dir, outDir).split(path.sep).join('/');
  if (outRelative === '' || outRelative === '..' || outRelative.startsWith('../') || path.isAbsolute(outRelative)) {
    throw new UsageError('--out must name a folder inside the repository (the image is built from the repository root), not the repository itself.', generateUsage);
  }
  const shownOut = path.relative(process.cwd(), outDir) || '.';

  const analyzer = services.analyzer();
  const interrupt = interruptSignal();
  try {
    const prepared = await prepareGeneration(await services.generationPorts(dir, analyzer, values.out), { force: values.force, overwriteEdited: values.overwrite, signal: interrupt.signal });
    if (prepared.kind === 'lintErrors') {
      err.write(toTextReport(prepared.errors, { color: false }));
      err.write(`flops: refusing to generate: lint reports ${prepared.errors.length} error${prepared.errors.length === 1 ? '' : 's'} (fix them, or pass --force).\n`);
      return 1;
    }
    if (prepared.kind === 'invalid') {
      err.write(`flops: ${prepared.message}\n`);
      return 1;
    }
    const { plan, drift, config, flavor } = prepared;
    if (prepared.forcedErrors.length > 0) {
      err.write(toTextReport(prepared.forcedErrors, { color: false }));
      err.write(`flops: generating despite ${prepared.forcedErrors.length} lint error${prepared.forcedErrors.length === 1 ? '' : 's'} (--force).\n`);
    }
    const relative = (p: string): string => path.join(shownOut, p);

    if (values.check) {
      for (const f of plan.files) if (f.action !== 'unchanged') out.write(`  ${checkVerbs[f.action].padEnd(12)} ${relative(f.path)}\n`);
      if (plan.manifestChanged && plan.files.every((f) => f.action === 'unchanged')) out.write(`  ${'outdated'.padEnd(12)} ${relative('manifest.json')}\n`);
      out.write(drift ? `${shownOut} differs from a fresh generation; run flops generate.\n` : `${shownOut} is up to date.\n`);
      return drift ? 1 : 0;
    }

    await services.applyGeneration(outDir, plan);
    const strategy = config.flower.strategy.name;
    out.write(`Generated ${shownOut} (Flower ${config.flower.version}, ${strategy}, ${flavor}, dependencies from ${prepared.dependencySource}):\n`);
    if (prepared.skippedDependencies.length > 0) {
      out.write(`  note: conda-only system packages are not installed by pip (the framework wheels bundle what they need): ${prepared.skippedDependencies.join(', ')}\n`);
    }
    for (const f of plan.files) if (f.action !== 'unchanged') out.write(`  ${verbs[f.action].padEnd(14)} ${relative(f.path)}\n`);
    const count = (a: FileAction): number => plan.files.filter((f) => f.action === a).length;
    const kept = count('keep-edited') + count('keep-stale');
    out.write(
      `${count('create')} created, ${count('update') + count('overwrite-edited')} updated, ${count('unchanged')} unchanged, ${count('delete')} deleted, ${kept} kept.\n`,
    );
    if (kept > 0) {
      err.write(`flops: ${kept} generated file${kept === 1 ? ' was' : 's were'} edited and kept; compare with a fresh generation, then run again with --overwrite to replace ${kept === 1 ? 'it' : 'them'}.\n`);
      return 1;
    }
    return 0;
  } catch (error) {
    if (error instanceof FlError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code === 'string') throw new FlError('invalidInput', `cannot write ${shownOut}: ${(error as Error).message}`);
    throw error;
  } finally {
    interrupt.dispose();
    analyzer.dispose();
  }
}
