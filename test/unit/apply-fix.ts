import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Fix, Position } from '../../extension/core/findings/finding';

function offsetOf(text: string, p: Position): number {
  const lines = text.split('\n');
  if (p.line >= lines.length) return text.length;
  let offset = 0;
  for (let i = 0; i < p.line; i++) offset += (lines[i] ?? '').length + 1;
  return offset + Math.min(p.character, (lines[p.line] ?? '').length);
}

/**
 * Applies a Fix to files on disk the way VS Code applies the WorkspaceEdit built from it: all
 * replacements of one file against its original text, then creates (never overwriting) and renames.
 */
export function applyFix(root: string, fix: Fix): void {
  const byFile = new Map<string, { start: number; end: number; text: string }[]>();
  for (const e of fix.edits) {
    if (e.kind !== 'replace') continue;
    const full = path.join(root, e.file);
    const text = readFileSync(full, 'utf8');
    const list = byFile.get(full) ?? [];
    list.push({ start: offsetOf(text, e.range.start), end: offsetOf(text, e.range.end), text: e.text });
    byFile.set(full, list);
  }
  for (const [file, edits] of byFile) {
    let text = readFileSync(file, 'utf8');
    for (const e of edits.sort((a, b) => b.start - a.start)) text = text.slice(0, e.start) + e.text + text.slice(e.end);
    writeFileSync(file, text);
  }
  for (const e of fix.edits) {
    if (e.kind === 'create') {
      const full = path.join(root, e.file);
      mkdirSync(path.dirname(full), { recursive: true });
      if (!existsSync(full)) writeFileSync(full, e.content);
    } else if (e.kind === 'rename') renameSync(path.join(root, e.from), path.join(root, e.to));
    else if (e.kind === 'rewrite') writeFileSync(path.join(root, e.file), e.content);
  }
}
