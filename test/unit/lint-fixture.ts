import { LintSession, runLint } from '../../extension/core/lint/lint-session';
import type { Finding } from '../../extension/core/findings/finding';
import { PythonPool } from '../../extension/io/python-pool';
import { FsRepoReader } from '../../extension/io/repo-reader';
import { distDir } from './repo-paths';

/** One parser pool for the whole unit run (worker threads are unref'd, so mocha still exits). */
export const pool = new PythonPool({ wasmDir: distDir });

export async function lintDir(dir: string): Promise<Finding[]> {
  return runLint({ reader: new FsRepoReader(dir), analyzer: pool });
}

export function sessionFor(dir: string): LintSession {
  return new LintSession({ reader: new FsRepoReader(dir), analyzer: pool });
}
