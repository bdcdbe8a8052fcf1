import type { GitInspector, GitState, ReadResult, RepoListing, RepoReader } from '../../../extension/core/ports';

/** A repository held in memory: path → text. Folders are implied by the paths. */
export class FakeRepoReader implements RepoReader {
  constructor(
    private readonly files: Readonly<Record<string, string>>,
    readonly root = '/work/fake-repo',
  ) {}

  list(): Promise<RepoListing> {
    const dirs = new Set<string>();
    for (const file of Object.keys(this.files)) {
      const parts = file.split('/');
      for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
    }
    return Promise.resolve({
      entries: [...[...dirs].map((path) => ({ path, kind: 'dir' as const, size: 0 })), ...Object.entries(this.files).map(([path, text]) => ({ path, kind: 'file' as const, size: text.length }))],
      problems: [],
    });
  }

  readText(path: string): Promise<ReadResult> {
    const text = this.files[path];
    return Promise.resolve(text !== undefined ? { kind: 'text', text } : { kind: 'unreadable', reason: `${path} does not exist` });
  }
}

/** Git state as given (default: not a repository). */
export class FakeGitInspector implements GitInspector {
  constructor(private readonly state: GitState = { isRepo: false, dirtyFiles: 0 }) {}

  inspect(): Promise<GitState> {
    return Promise.resolve(this.state);
  }
}
