import { simpleGit } from 'simple-git';
import type { GitInspector, GitState } from '../core/ports';

/** Git state through simple-git; reads local refs only (no fetch), so it works offline. */
export class SimpleGitInspector implements GitInspector {
  constructor(private readonly dir: string) {}

  async inspect(signal?: AbortSignal): Promise<GitState> {
    const git = simpleGit({ baseDir: this.dir, ...(signal !== undefined ? { abort: signal } : {}) });
    const isRepo = await git.checkIsRepo().catch(() => false);
    if (!isRepo) return { isRepo: false, dirtyFiles: 0 };
    const status = await git.status(['--', '.']);
    const head = await git.revparse(['HEAD']).catch(() => undefined);
    const upstreamName = status.tracking ?? undefined;
    const upstreamHead = upstreamName !== undefined ? await git.revparse([upstreamName]).catch(() => undefined) : undefined;
    const remotes = await git.getRemotes(true).catch(() => []);
    const originUrl = remotes.find((r) => r.name === 'origin')?.refs.fetch;
    return {
      isRepo: true,
      dirtyFiles: status.files.length,
      ...(head !== undefined ? { head: head.trim() } : {}),
      ...(upstreamName !== undefined ? { upstreamName } : {}),
      ...(upstreamHead !== undefined ? { upstreamHead: upstreamHead.trim() } : {}),
      ...(originUrl !== undefined ? { originUrl } : {}),
    };
  }
}
