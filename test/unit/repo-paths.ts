import { existsSync } from 'node:fs';
import path from 'node:path';

/** The repo root: the nearest folder above this (bundled) test file that holds package.json. */
function findRoot(start: string): string {
  let dir = start;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${start}`);
    dir = up;
  }
  return dir;
}

export const repoRoot = findRoot(__dirname);
export const distDir = path.join(repoRoot, 'dist');
export const fixturesDir = path.join(repoRoot, 'test/fixtures/repos');
