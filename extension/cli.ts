#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import path from 'node:path';
import { checkCommand, CheckUsageError } from './cli-check';
import { generateCommand } from './cli-generate';
import { simCommand } from './cli-sim';
import { FlError } from './core/errors';
import { toJsonReport, toSarifReport, toTextReport } from './core/lint/format-findings';
import type { Finding } from './core/lint/finding';
import { runLint } from './core/lint/lint-session';
import { maxDocumentBytes } from './core/lint/project-input';
import { allRules } from './core/lint/rules/all-rules';
import { rulesMarkdown } from './core/lint/rules-markdown';
import { unreadableDocumentFinding, validateDocument } from './core/lint/validate-document';
import { SimpleGitInspector } from './io/git-inspector';
import { PythonPool } from './io/python-pool';
import { FsRepoReader, startsWithByteOrderMark } from './io/repo-reader';
import packageJson from '../package.json';

/**
 * The `flops` command line over the same core as the extension. Exit codes: 0 no error findings,
 * 1 error findings, 2 usage errors and unreadable input.
 */

const usage = `Usage: flops <command> [options]

Commands:
  lint [DIR] [--format text|json|sarif]   Check an ML repository against the FLOps contract.
  validate FILE [--format text|json]      Check a project file (flops.json) or an Oakestra SLA
                                          (recognised by its content).
  rules [--format text|json|markdown]     List the lint rules with why FLOps needs them.
  generate [DIR] [--out .flops] [--check] [--force] [--overwrite]
                                          Write the Flower app around the ModelManager into
                                          DIR/.flops (see flops generate --help).
  check [DIR] [--python PATH]             Run the learner path (set_model_data, fit, evaluate) and the
                                          aggregator's initialisation in a local Python, in seconds
                                          (see flops check --help).
  sim up|status|logs|down|runs [DIR]      Run the app locally: an aggregator plus N learners in
                                          Docker (see flops sim --help).

Options:
  -h, --help       Show this help.
  -v, --version    Show the version.

Exit codes: 0 no errors, 1 error findings, 2 usage error or unreadable DIR or FILE.`;

class UsageError extends Error {}

/** `[--format F] [-h] POSITIONALS…` shared by lint and validate; `help` when -h was given. */
function parseFormatArgs<F extends string>(args: string[], formats: readonly F[]): 'help' | { format: F; positionals: string[] } {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { format: { type: 'string', short: 'f', default: 'text' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help === true) return 'help';
  const format = formats.find((f) => f === values.format);
  if (format === undefined) {
    throw new UsageError(`Unknown format "${values.format}"; use ${formats.slice(0, -1).join(', ')} or ${formats[formats.length - 1] ?? ''}.`);
  }
  return { format, positionals };
}

async function lintCommand(args: string[], out: NodeJS.WriteStream): Promise<number> {
  const parsed = parseFormatArgs(args, ['text', 'json', 'sarif'] as const);
  if (parsed === 'help') {
    out.write(`${usage}\n`);
    return 0;
  }
  const { format, positionals } = parsed;
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

async function validateCommand(args: string[], out: NodeJS.WriteStream): Promise<number> {
  const parsed = parseFormatArgs(args, ['text', 'json'] as const);
  if (parsed === 'help') {
    out.write(`${usage}\n`);
    return 0;
  }
  const { format, positionals } = parsed;
  if (positionals.length !== 1) throw new UsageError(`validate takes one file, got ${positionals.length}${positionals.length > 0 ? `: ${positionals.join(' ')}` : ''}`);
  const given = positionals[0] as string;
  const absolute = path.resolve(given);
  const file = given.split(path.sep).join('/');
  let info;
  try {
    info = await stat(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new FlError('invalidInput', code === 'ENOENT' ? `${absolute} does not exist.` : `${absolute} cannot be read (${code ?? String(error)}).`);
  }
  if (!info.isFile()) throw new FlError('invalidInput', `${absolute} is not a file; give a project file (flops.json) or an Oakestra SLA.`);
  let findings: Finding[];
  if (info.size > maxDocumentBytes) {
    findings = [unreadableDocumentFinding(file, `${file} is ${(info.size / (1024 * 1024)).toFixed(1)} MB; project files and SLAs are small JSON documents, so it is not parsed (limit 1 MB).`)];
  } else {
    let bytes: Buffer;
    try {
      bytes = await readFile(absolute);
    } catch (error) {
      throw new FlError('invalidInput', `${absolute} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}).`);
    }
    let text: string | undefined;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      text = undefined;
    }
    findings =
      text === undefined
        ? [unreadableDocumentFinding(file, `${file} is not UTF-8 text; project files and SLAs are JSON, which is UTF-8.`)]
        : validateDocument(text, { file, byteOrderMark: startsWithByteOrderMark(bytes), fileExists: (relative) => existsSync(path.join(path.dirname(absolute), relative)) }).findings;
  }
  if (format === 'json') out.write(`${JSON.stringify(toJsonReport(findings), null, 2)}\n`);
  else out.write(toTextReport(findings, { color: out.isTTY && process.env['NO_COLOR'] === undefined }));
  return findings.some((f) => f.severity === 'error') ? 1 : 0;
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
      case 'validate':
        return await validateCommand(rest, process.stdout);
      case 'generate':
        return await generateCommand(rest, process.stdout, process.stderr);
      case 'rules':
        return rulesCommand(rest, process.stdout);
      case 'check':
        return await checkCommand(rest, process.stdout, process.stderr);
      case 'sim':
        return await simCommand(rest, { out: process.stdout, err: process.stderr });
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
    if (error instanceof UsageError || error instanceof CheckUsageError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
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
