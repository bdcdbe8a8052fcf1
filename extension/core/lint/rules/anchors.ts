import { rangeOf, wholeFirstLine, type Range } from '../finding';
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

/** Paths of files named `name` below the root (not at the root), shortest first. */
export function nestedMatches(ctx: LintContext, name: string): string[] {
  return ctx.listing.entries
    .filter((e) => e.kind === 'file' && e.path.endsWith(`/${name}`))
    .map((e) => e.path)
    .sort((a, b) => a.split('/').length - b.split('/').length || (a < b ? -1 : 1));
}
