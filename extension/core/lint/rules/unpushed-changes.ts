import { wholeFirstLine } from '../../findings/finding';
import type { Rule } from '../rule';

export const unpushedChanges: Rule = {
  meta: {
    id: 'flops/unpushed-changes',
    severity: 'info',
    needs: ['git', 'config'],
    title: 'The local HEAD and working tree equal the remote default branch.',
    why: "FLOps builds only the default branch's latest commit, and an unchanged commit reuses the cached images, so local changes are not what runs.",
    fix: 'Commit and push before deploying to FLOps.',
  },
  check(ctx) {
    const git = ctx.git;
    if (git === undefined || !git.isRepo || ctx.project === undefined || ctx.target !== 'flops-addon') return [];
    const parts: string[] = [];
    if (git.dirtyFiles > 0) parts.push(`${git.dirtyFiles} uncommitted change${git.dirtyFiles === 1 ? '' : 's'}`);
    if (git.upstreamHead === undefined) parts.push('no remote branch to compare with');
    else if (git.head !== git.upstreamHead) parts.push(`HEAD differs from ${git.upstreamName ?? 'the remote branch'}`);
    if (parts.length === 0) return [];
    return [
      {
        file: ctx.project.path,
        range: ctx.config?.ml_repo_url !== undefined ? ctx.project.locate(['ml_repo_url']) : wholeFirstLine,
        message: `FLOps builds the pushed default branch, not this working copy: ${parts.join(', ')}. Commit and push before deploying.`,
      },
    ];
  },
};
