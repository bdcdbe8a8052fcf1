import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { projectFileSchema } from '../../../extension/core/config/project-file';
import { renderRuntime } from '../../../extension/core/generate/render';
import { testPython, testPythonMissing } from '../../python/python-env';
import { repoRoot } from '../repo-paths';
import { skipWithReason } from '../skip-with-reason';

/** Running the generated Python in the test venv (test/python/python-env.ts), for the Python suites. */

export const pythonFixtures = path.join(repoRoot, 'test/fixtures/python');

export interface PythonRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runPython(args: readonly string[], cwd: string, env: Readonly<Record<string, string>> = {}, timeoutMs = 180_000): Promise<PythonRun> {
  const python = testPython() ?? '/usr/bin/python3';
  return new Promise((resolve) => {
    execFile(python, [...args], { cwd, timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024, encoding: 'utf8', env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', TF_CPP_MIN_LOG_LEVEL: '2', ...env } }, (error, stdout, stderr) => {
      resolve({ status: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr });
    });
  });
}

/** The generated app (flops_app, flops_utils, pyproject.toml) for `flavor`, written under `dir`. */
export function writeGeneratedApp(dir: string, flavor: 'sklearn' | 'pytorch' | 'keras', overrides: Record<string, unknown> = {}): void {
  for (const f of renderRuntime({
    config: projectFileSchema.parse({ ml_model_flavor: flavor, ...overrides }),
    flavor,
    repoName: `app-${flavor}`,
    dependencies: { source: 'requirements.txt', requirements: [], skipped: [] },
  })) {
    const target = path.join(dir, f.path);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, f.content);
  }
}

/**
 * Skips (or, under FLOPS_TEST_STRICT=1, fails) when the test venv is not prepared: `npm test` prepares
 * it (`npm run test:python`) before the unit tests.
 */
export function requireTestPython(ctx: Mocha.Context): void {
  if (testPython() !== undefined) return;
  if (process.env['FLOPS_TEST_STRICT'] === '1') throw new Error(`FLOPS_TEST_STRICT=1 and ${testPythonMissing()}`);
  skipWithReason(ctx, testPythonMissing());
}

/** The last stdout line as JSON (the fixture scripts print one summary line last). */
export function lastJsonLine<T>(run: PythonRun): T {
  return JSON.parse(run.stdout.trim().split('\n').pop() ?? '') as T;
}
