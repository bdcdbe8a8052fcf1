#!/usr/bin/env node
import { parseArgs } from 'node:util';
import path from 'node:path';
import { FlError } from './core/errors';
import { toJsonReport, toSarifReport, toTextReport } from './core/lint/format-findings';
import { runLint } from './core/lint/lint-session';
import { allRules } from './core/lint/rules/all-rules';
import { rulesMarkdown } from './core/lint/rules-markdown';
import { SimpleGitInspector } from './io/git-inspector';
import { PythonPool } from './io/python-pool';
import { FsRepoReader } from './io/repo-reader';
import packageJson from '../package.json';

/**
 * The `flops` command line over the same core as the extension. Exit codes: 0 no error findings,
 * 1 error findings, 2 usage errors and unreadable input.
 */

const usage = `Usage: flops <command> [options]

Commands:
  lint [DIR] [--format text|json|sarif]   Check an ML repository against the FLOps contract.
  rules [--format text|json|markdown]     List the lint rules with why FLOps needs them.

Options:
  -h, --help       Show this help.
  -v, --version    Show the version.

Exit codes: 0 no errors, 1 error findings, 2 usage error or unreadable DIR.`;

class UsageError extends Error {}

async function lintCommand(args: string[], out: NodeJS.WriteStream): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { format: { type: 'string', short: 'f', default: 'text' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help === true) {
    out.write(`${usage}\n`);
    return 0;
  }
  const format = values.format;
  if (format !== 'text' && format !== 'json' && format !== 'sarif') throw new UsageError(`Unknown format "${format}"; use text, json or sarif.`);
  if (positionals.length > 1) throw new UsageError(`lint takes one folder, got ${positionals.length}: ${positionals.join(' ')}`);
  const dir = path.resolve(positionals[0] ?? '.');
  const reader = await FsRepoReader.open(dir);
  const analyzer = new PythonPool({ wasmDir: __dirname });
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once('SIGINT', onSignal);
  try {
    const findings = await runLint({ reader, analyzer, git: new SimpleGitInspector(dir) }, { signal: controller.signal });
    if (format === 'json') out.write(`${JSON.stringify(toJsonReport(findings), null, 2)}\n`);
    else if (format === 'sarif') {
      const sarif = toSarifReport(
        findings,
        allRules.map((r) => r.meta),
        { name: 'flops', version: packageJson.version, informationUri: 'https://github.com/oakestra/addon-FLOps' },
      );
      out.write(`${JSON.stringify(sarif, null, 2)}\n`);
    } else out.write(toTextReport(findings, { color: out.isTTY && process.env['NO_COLOR'] === undefined }));
    return findings.some((f) => f.severity === 'error') ? 1 : 0;
  } finally {
    process.removeListener('SIGINT', onSignal);
    analyzer.dispose();
  }
}

function rulesCommand(args: string[], out: NodeJS.WriteStream): number {
  const { values } = parseArgs({ args, options: { format: { type: 'string', short: 'f', default: 'text' } } });
  const metas = allRules.map((r) => r.meta);
  switch (values.format) {
    case 'json':
      out.write(`${JSON.stringify({ rules: metas }, null, 2)}\n`);
      return 0;
    case 'markdown':
      out.write(rulesMarkdown(metas));
      return 0;
    case 'text':
      out.write(metas.map((r) => `${r.id.padEnd(30)} ${r.severity.padEnd(8)} ${r.title}`).join('\n') + '\n');
      return 0;
    default:
      throw new UsageError(`Unknown format "${values.format}"; use text, json or markdown.`);
  }
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'lint':
        return await lintCommand(rest, process.stdout);
      case 'rules':
        return rulesCommand(rest, process.stdout);
      case '-v':
      case '--version':
        process.stdout.write(`${packageJson.version}\n`);
        return 0;
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        process.stdout.write(`${usage}\n`);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`Unknown command "${command}".`);
    }
  } catch (error) {
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
      process.stderr.write(`flops: ${error.message}\n\n${usage}\n`);
      return 2;
    }
    if (error instanceof FlError) {
      if (error.kind === 'cancelled') return 130;
      process.stderr.write(`flops: ${error.message}\n`);
      if (error.detail !== undefined && process.env['FLOPS_DEBUG'] !== undefined) process.stderr.write(`${error.detail}\n`);
      return 2;
    }
    throw error;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`flops: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 3;
    },
  );
}
