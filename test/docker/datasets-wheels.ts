import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { datasetsRequirement } from '../../extension/core/generate/runtime-input';
import { ensureTestPython, pipOutputTail } from '../python/python-env';
import { repoRoot } from '../unit/repo-paths';
import { run } from './docker-cli';

/**
 * The real HuggingFace `datasets` for the FAKE Flower test image (no fake `datasets` anywhere): its
 * wheels and their dependencies, downloaded with the test venv's pip from the machine's package
 * configuration (the local wheel mirror here) into a git-ignored folder of the image's build context
 * (test/.cache/), so the image installs them offline. `pandas<3` keeps pip from replacing the base
 * image's Debian numpy 1.24 (which Debian's scikit-learn is built against).
 */

export const datasetsPins = [datasetsRequirement, 'pandas<3'] as const;
const recipe = `${datasetsPins.join(' ')} cp311 v1`;
export const wheelsDirName = `wheels-${createHash('sha256').update(recipe).digest('hex').slice(0, 12)}`;
export const wheelsContextDir = path.join(repoRoot, 'test/.cache', wheelsDirName);

/** The wheels folder (relative to test/, for the Dockerfile) once complete; downloads it when missing. */
export function ensureDatasetsWheels(log: (line: string) => void): string {
  const complete = path.join(wheelsContextDir, 'complete');
  if (!existsSync(complete)) {
    const python = ensureTestPython(log);
    const partial = `${wheelsContextDir}.partial`;
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true });
    const started = Date.now();
    const download = run(python, ['-m', 'pip', 'download', '--disable-pip-version-check', '--no-input', '--retries', '0', '--timeout', '15', '-q', '--only-binary', ':all:', '-d', partial, ...datasetsPins], { timeoutMs: 900_000 });
    if (download.status !== 0) throw new Error(`pip download ${datasetsPins.join(' ')} failed (exit ${String(download.status)}):\n${pipOutputTail(`${download.stdout}\n${download.stderr}`)}`);
    rmSync(wheelsContextDir, { recursive: true, force: true });
    renameSync(partial, wheelsContextDir);
    mkdirSync(complete);
    log(`downloaded ${readdirSync(wheelsContextDir).length - 1} wheels for ${datasetsPins.join(' ')} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  return path.relative(path.join(repoRoot, 'test'), wheelsContextDir);
}

/** The wheel file names (for the image tag's hash). */
export function datasetsWheelNames(): string[] {
  return readdirSync(wheelsContextDir).filter((name) => name.endsWith('.whl')).sort();
}
