import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { skipWithReason } from '../unit/skip-with-reason';

/** Runs the docker CLI (or another tool) and returns its result; never throws for a non-zero exit. */
export function run(command: string, args: readonly string[], options: { input?: Buffer; timeoutMs?: number; cwd?: string } = {}): SpawnSyncReturns<string> {
  return spawnSync(command, args, {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: options.timeoutMs ?? 600_000,
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
  });
}

/** Whether a Docker engine answers on the configured socket. */
export function dockerAnswers(): boolean {
  return run('docker', ['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 20_000 }).status === 0;
}

/**
 * In a suite's before hook: skips the suite with a reason when no engine answers, and fails instead
 * under FLOPS_TEST_STRICT=1 (CI), where .ci/run installs and starts one.
 */
export function requireDockerEngine(context: Mocha.Context): void {
  if (dockerAnswers()) return;
  assert.notEqual(process.env['FLOPS_TEST_STRICT'], '1', 'no Docker engine answers, but .ci/run installs and starts one');
  skipWithReason(context, 'no Docker engine answers (install docker.io and start dockerd)');
}
