import { rangeOf, wholeFirstLine, type Range } from '../../findings/finding';
import type { LintContext } from '../lint-context';

/** Where a finding about a missing file goes: a misplaced candidate, the project file, or a stand-in. */
export function missingFileAnchor(
  ctx: LintContext,
  candidates: readonly string[],
  fallbacks: readonly string[],
): { file: string; range: Range; candidate?: string } {
  const candidate = candidates.find((c) => ctx.paths.has(c));
  if (candidate !== undefined) return { file: candidate, range: wholeFirstLine, candidate };
  if (ctx.project !== undefined) {
    const range = ctx.config?.ml_repo_url !== undefined ? ctx.project.locate(['ml_repo_url']) : wholeFirstLine;
    return { file: ctx.project.path, range };
  }
  for (const f of fallbacks) if (ctx.paths.has(f)) return { file: f, range: wholeFirstLine };
  return { file: fallbacks[0] ?? candidates[0] ?? '.', range: rangeOf(0, 0) };
}

/**
 * Why a required root file is not there although something has its name: a folder, or a link that
 * leaves the repository (reported as an error by flops/unreadable-file, so the missing-file rules stay
 * quiet about it). `undefined` when nothing has the name.
 */
export function notAFile(ctx: LintContext, name: string): 'folder' | 'outsideLink' | undefined {
  if (ctx.listing.problems.some((p) => p.path === name && p.kind === 'outsideLink')) return 'outsideLink';
  if (ctx.listing.entries.some((e) => e.path === name && e.kind === 'dir')) return 'folder';
  return undefined;
}

/** " (model_manager.py here is a folder, not a file)" for messages about a missing file. */
export function folderNote(ctx: LintContext, name: string): string {
  return notAFile(ctx, name) === 'folder' ? ` (${name} here is a folder, not a file)` : '';
}

/** Paths of files named `name` below the root (not at the root), shortest first. */
export function nestedMatches(ctx: LintContext, name: string): string[] {
  return ctx.listing.entries
    .filter((e) => e.kind === 'file' && e.path.endsWith(`/${name}`))
    .map((e) => e.path)
    .sort((a, b) => a.split('/').length - b.split('/').length || (a < b ? -1 : 1));
}
