import { parseCommandArgs, UsageError } from './cli-io';

/** `[--format F] [-h] POSITIONALS…` shared by lint and validate; `help` when -h was given. */
export function parseFormatArgs<F extends string>(args: string[], formats: readonly F[]): 'help' | { format: F; positionals: string[] } {
  const { values, positionals } = parseCommandArgs({
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

