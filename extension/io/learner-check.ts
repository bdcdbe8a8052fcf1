import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FlError } from '../core/errors';
import { checkResult, parseCheckLine, type CheckResult, type CheckRunner, type CheckStep, type LearnerCheckOptions } from '../core/simulate/learner-check';

/**
 * The learner check's `CheckRunner` on this machine: the app's Python packages go to a temporary folder
 * (always removed), and `python -m flops_app.check` runs from the repository root with that folder on
 * PYTHONPATH, in its own process group, killed at the time limit or on abort.
 */
export const pythonCheckRunner: CheckRunner = {
  run: async (dir, appFiles, runConfig, options) => {
    const scratch = await mkdtemp(path.join(tmpdir(), 'flops-check-'));
    try {
      for (const file of appFiles) {
        await mkdir(path.dirname(path.join(scratch, file.path)), { recursive: true });
        await writeFile(path.join(scratch, file.path), file.content);
      }
      return await runCheck(path.resolve(dir), scratch, runConfig, options);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  },
};

function runCheck(dir: string, app: string, runConfig: Record<string, unknown>, options: LearnerCheckOptions): Promise<CheckResult> {
  return new Promise((resolve, reject) => {
    options.signal?.throwIfAborted();
    const env = { ...process.env, PYTHONPATH: [app, dir, process.env['PYTHONPATH']].filter((p) => p !== undefined && p !== '').join(path.delimiter), PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' };
    const child = spawn(options.python, ['-m', 'flops_app.check', JSON.stringify(runConfig)], { cwd: dir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    // Stdout is read line by line as it comes: the user's training may print a lot, so it is neither
    // kept nor parsed again; only the step lines are.
    const steps: CheckStep[] = [];
    let pending = '';
    const take = (line: string): void => {
      const step = parseCheckLine(line);
      if (step === undefined) return;
      steps.push(step);
      options.onStep?.(step);
    };
    let stderr = '';
    let timedOut = false;
    const kill = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, options.timeoutSeconds * 1000);
    const onAbort = (): void => kill();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) take(line);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-16_384);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      reject(new FlError('invalidInput', error.code === 'ENOENT' ? `The Python interpreter "${options.python}" was not found. Pass --python PATH (or set flops.check.python) to an interpreter that has the repository's dependencies and datasets.` : `Could not start ${options.python}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (options.signal?.aborted === true) {
        reject(new FlError('cancelled', 'Cancelled.'));
        return;
      }
      take(pending);
      resolve(checkResult(steps, { code, ...(signal !== null ? { signal } : {}), timedOut, timeoutSeconds: options.timeoutSeconds, stderrTail: stderr }));
    });
  });
}
