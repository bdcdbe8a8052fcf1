import { allRules } from '../core/lint/rules/all-rules';
import { rulesMarkdown } from '../core/lint/rules-markdown';
import { type CliIo, parseCommandArgs, UsageError } from './cli-io';

/** `flops rules [--format text|json|markdown]`: the lint rules with why FLOps needs them. */
export function rulesCommand(args: string[], { out }: CliIo): number {
  const { values } = parseCommandArgs({ args, options: { format: { type: 'string', short: 'f', default: 'text' } } });
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

