import path from 'node:path';
import { toJsonReport, toSarifReport, toTextReport } from '../core/findings/format-findings';
import { runLint } from '../core/lint/lint-session';
import { allRules } from '../core/lint/rules/all-rules';
import packageJson from '../../package.json';
import { type CliIo, interruptSignal, UsageError, useColor } from './cli-io';
import type { CliServices } from './cli-root';
import { parseFormatArgs } from './format-args';
import { mainUsage } from './main-usage';

/** `flops lint [DIR] [--format text|json|sarif]`: exit 1 when a finding is an error. */
export async function lintCommand(args: string[], io: CliIo, services: CliServices): Promise<number> {
  const { out } = io;
  const parsed = parseFormatArgs(args, ['text', 'json', 'sarif'] as const);
  if (parsed === 'help') {
    out.write(`${mainUsage}\n`);
    return 0;
  }
  const { format, positionals } = parsed;
  if (positionals.length > 1) throw new UsageError(`lint takes one folder, got ${positionals.length}: ${positionals.join(' ')}`);
  const dir = path.resolve(positionals[0] ?? '.');
  const repo = await services.openRepo(dir);
  const analyzer = services.analyzer();
  const interrupt = interruptSignal();
  try {
    const findings = await runLint({ ...repo, analyzer }, { signal: interrupt.signal });
    if (format === 'json') out.write(`${JSON.stringify(toJsonReport(findings), null, 2)}\n`);
    else if (format === 'sarif') {
      const sarif = toSarifReport(
        findings,
        allRules.map((r) => r.meta),
        { name: 'flops', version: packageJson.version, informationUri: 'https://github.com/oakestra/addon-FLOps' },
      );
      out.write(`${JSON.stringify(sarif, null, 2)}\n`);
    } else out.write(toTextReport(findings, { color: useColor(io) }));
    return findings.some((f) => f.severity === 'error') ? 1 : 0;
  } finally {
    interrupt.dispose();
    analyzer.dispose();
  }
}

