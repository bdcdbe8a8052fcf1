import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { FlError } from '../core/errors';
import type { Finding } from '../core/findings/finding';
import { toJsonReport, toTextReport } from '../core/findings/format-findings';
import { maxDocumentBytes } from '../core/config/project-input';
import { unreadableDocumentFinding, validateDocument } from '../core/lint/validate-document';
import { type CliIo, UsageError, useColor } from './cli-io';
import type { CliServices } from './cli-root';
import { parseFormatArgs } from './format-args';
import { mainUsage } from './main-usage';

/**
 * `flops validate FILE [--format text|json]`: a project file or an Oakestra SLA (told apart by its
 * content), read here since the file is the command's own argument.
 */
export async function validateCommand(args: string[], io: CliIo, services: CliServices): Promise<number> {
  const { out } = io;
  const parsed = parseFormatArgs(args, ['text', 'json'] as const);
  if (parsed === 'help') {
    out.write(`${mainUsage}\n`);
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
        : validateDocument(text, { file, byteOrderMark: services.startsWithByteOrderMark(bytes), fileExists: (relative) => existsSync(path.join(path.dirname(absolute), relative)) }).findings;
  }
  if (format === 'json') out.write(`${JSON.stringify(toJsonReport(findings), null, 2)}\n`);
  else out.write(toTextReport(findings, { color: useColor(io) }));
  return findings.some((f) => f.severity === 'error') ? 1 : 0;
}

