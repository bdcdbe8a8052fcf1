import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '../unit/repo-paths';

/**
 * The Python the generated runtime is tested with: a venv of Debian's `/usr/bin/python3` (the same
 * Python 3.11 as the Docker base image) holding the real ML stack of
 * test/fixtures/python/requirements.txt, installed with the machine's own pip configuration (here: a
 * local wheel mirror; nothing is faked). It lives in the test cache, named by a hash of the
 * requirements, so a warm machine reuses it and a changed list gets a fresh one. `npm run
 * test:python` (part of `npm test`) prepares it before the unit tests, which only look it up.
 */

export const systemPython = '/usr/bin/python3';
export const requirementsFile = path.join(repoRoot, 'test/fixtures/python/requirements.txt');

function cacheRoot(): string {
  return path.join(process.env['XDG_CACHE_HOME'] ?? path.join(homedir(), '.cache'), 'flops-test');
}

function envDir(): string {
  const hash = createHash('sha256').update(readFileSync(requirementsFile)).digest('hex').slice(0, 12);
  return path.join(cacheRoot(), `python-${hash}`);
}

/** The venv's interpreter when the environment is complete, else undefined. */
export function testPython(): string | undefined {
  const dir = envDir();
  return existsSync(path.join(dir, 'complete')) ? path.join(dir, 'bin/python') : undefined;
}

/** Why the environment is missing, for a skip (or, under FLOPS_TEST_STRICT=1, a failure). */
export function testPythonMissing(): string {
  return `the test Python environment is not prepared (${envDir()}); run \`npm run test:python\``;
}

/** The last lines of pip's output that say something: without the retries and ignored-index warnings of a machine whose default index is unreachable. */
export function pipOutputTail(output: string): string {
  return output.split('\n').filter((l) => l.trim() !== '' && !/Retrying|NewConnectionError|is ignored/.test(l)).slice(-15).join('\n');
}

/** Creates the venv and installs the requirements unless a complete one exists; returns its python. */
export function ensureTestPython(log: (line: string) => void): string {
  const ready = testPython();
  if (ready !== undefined) {
    log(`reusing ${path.dirname(path.dirname(ready))}`);
    return ready;
  }
  if (!existsSync(systemPython)) throw new Error(`${systemPython} is missing: apt-get install python3 python3-venv`);
  const dir = envDir();
  const partial = `${dir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(path.dirname(dir), { recursive: true });
  const step = (what: string, command: string, args: readonly string[]): void => {
    const started = Date.now();
    const result = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
    if (result.status !== 0) {
      const tail = pipOutputTail(`${result.stdout}\n${result.stderr}`);
      throw new Error(`${what} failed (exit ${result.status ?? result.signal ?? 'unknown'}):\n${tail}`);
    }
    log(`${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  };
  step('python3 -m venv', systemPython, ['-m', 'venv', partial]);
  // No retries: on a machine whose default index is unreachable, pip would otherwise back off for
  // minutes per package before it looks at the mirror the configuration also names.
  step('pip install (test/fixtures/python/requirements.txt)', path.join(partial, 'bin/python'), [
    '-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--retries', '0', '--timeout', '15', '-q', '-r', requirementsFile,
  ]);
  writeFileSync(path.join(partial, 'complete'), `${readFileSync(requirementsFile, 'utf8')}`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
  // A venv's scripts name its folder; the rename keeps bin/python working (it is a link to /usr/bin/python3).
  return path.join(dir, 'bin/python');
}
